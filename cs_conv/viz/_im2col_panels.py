"""The panels of :func:`~cs_conv.viz.plot_im2col`: the padded input, ``cols``, the output.

:func:`frame` decides where everything goes; each ``*_panel`` function draws one
part of the figure from the data of :mod:`.im2col_layout`.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.patches import Rectangle

from ..geometry import ConvGeometry
from . import _style
from ._layout import add_axes_in, cell, fitting_fontsize, grid_axes
from .im2col_layout import padded, pixel_label

__all__ = [
    "HL_WIDTH",
    "Frame",
    "cols_panel",
    "frame",
    "input_panel",
    "label_cols",
    "output_panels",
]

_CELL_MAX_IN = 0.42  # inches per cell when there is room
_FIG_MAX_W = 22.0
_FIG_MAX_H = 16.0
_MIN_FONT = 4.5
_MAX_OUTLINED = 24  # more windows per image than this: only the highlighted one is outlined
#: Line width of the outline of everything highlighted.
HL_WIDTH = 3.2
_MID = {"ha": "center", "va": "center", "zorder": 7}  # the column number in an output cell


@dataclass(frozen=True)
class Frame:
    """Where everything goes (inches from the top-left corner) and how large a cell is."""

    s: float  # inches per cell
    fs: float  # font size of cell texts
    show_text: bool
    title_h: float
    foot_h: float
    panel_title: float
    cols_top: float
    x_in: float
    x_cols: float
    x_out: float
    fig_w: float
    fig_h: float


def frame(g: ConvGeometry, meta: dict) -> Frame:
    """Sizes of the figure: the largest cell (at most 0.42 in) at which all three parts fit."""
    Hp, Wp = padded(g)
    K, L = g.cols_shape
    title_h, foot_h = (0.95 if meta["tiling_error"] is None else 1.35), 0.7
    panel_title = 0.32
    margin_l, gap_in_cols, gap_cols_out, margin_r = 0.55, 1.05, 0.75, 0.3
    cols_top, cols_bottom = 0.8, 0.35
    fixed_w = margin_l + gap_in_cols + gap_cols_out + margin_r
    n_in = g.N * g.C
    fixed_h = (
        title_h + foot_h + n_in * panel_title,
        title_h + foot_h + cols_top + cols_bottom,
        title_h + foot_h + g.N * panel_title,
    )
    s = min(_CELL_MAX_IN, (_FIG_MAX_W - fixed_w) / (Wp + L + g.W_out))
    for fixed, units in zip(fixed_h, (n_in * Hp, K, g.N * g.H_out), strict=True):
        s = min(s, (_FIG_MAX_H - fixed) / units)
    longest = max((t for row in meta["cell_text"] for t in row), key=len)
    fs = fitting_fontsize(s, longest)
    body_h = max(
        n_in * (Hp * s + panel_title),
        cols_top + K * s + cols_bottom,
        g.N * (g.H_out * s + panel_title),
    )
    x_cols = margin_l + Wp * s + gap_in_cols
    return Frame(
        s=s,
        fs=fs,
        show_text=fs >= _MIN_FONT,
        title_h=title_h,
        foot_h=foot_h,
        panel_title=panel_title,
        cols_top=cols_top,
        x_in=margin_l,
        x_cols=x_cols,
        x_out=x_cols + L * s + gap_cols_out,
        fig_w=fixed_w + (Wp + L + g.W_out) * s,
        fig_h=title_h + body_h + foot_h,
    )


# ------------------------------------------------------------------ the padded input


def input_panel(fig, fr: Frame, g: ConvGeometry, meta: dict, n: int, c: int, top: float):
    """Panel ``x_pad[n, c]``: every pixel named, padding hatched, the windows outlined."""
    Hp, Wp = padded(g)
    ax = add_axes_in(fig, fr.x_in, top + fr.panel_title, Wp * fr.s, Hp * fr.s)
    grid_axes(ax, Hp, Wp)
    ax.set_title(
        f"x_pad[{n}, {c}]" + (" (pad drawn grey)" if g.ph or g.pw else ""), fontsize=9, pad=3
    )
    ax.set_xticks([k + 0.5 for k in range(Wp)], [str(k) for k in range(Wp)])
    ax.set_yticks([k + 0.5 for k in range(Hp)], [str(k) for k in range(Hp)])
    ax.tick_params(labelsize=min(7, fr.fs + 1), pad=1)
    unread = set(meta["unread_pixels"])
    for yp in range(Hp):
        for xp in range(Wp):
            input_cell(ax, fr, g, meta, (n, c, yp, xp), (n, c, yp, xp) in unread)
    outline_windows(ax, g, n, meta["column"])
    n_h, i_h, j_h = meta["position"]
    if n == n_h:
        ax.add_patch(
            Rectangle(
                (j_h * g.sw, i_h * g.sh),
                g.WW,
                g.HH,
                fill=False,
                edgecolor=_style.HIGHLIGHT_EDGE,
                linewidth=HL_WIDTH,
                zorder=6,
                gid=f"input-window:{c}",
            )
        )
    return ax


def input_cell(ax, fr: Frame, g: ConvGeometry, meta: dict, where, unread: bool) -> None:
    """One padded pixel: padding, a pixel of the highlighted window, or a plain pixel."""
    n, c, yp, xp = where
    Hp, Wp = padded(g)
    n_h, i_h, j_h = meta["position"]
    inside = g.ph <= yp < Hp - g.ph and g.pw <= xp < Wp - g.pw
    in_win = (
        n == n_h and i_h * g.sh <= yp < i_h * g.sh + g.HH and j_h * g.sw <= xp < j_h * g.sw + g.WW
    )
    key = f"{n},{c},{yp},{xp}"
    if unread:
        ax.plot(
            [xp + 0.12, xp + 0.88, xp + 0.5, xp + 0.12, xp + 0.88],
            [yp + 0.12, yp + 0.88, yp + 0.5, yp + 0.88, yp + 0.12],
            color=_style.HIGHLIGHT_EDGE,
            lw=1.0,
            ls=":",
            zorder=4,
            gid=f"input-unread:{key}",
        )
    if not inside:
        cell(
            ax,
            yp,
            xp,
            face=_style.PAD_FACE,
            edge=_style.PAD_TEXT,
            lw=0.4,
            hatch=_style.PAD_HATCH,
            gid=f"input-highlight-pad:{key}" if in_win else None,
        )
    elif in_win:
        cell(ax, yp, xp, face=_style.HIGHLIGHT, gid=f"input-highlight:{key}")
    else:
        cell(ax, yp, xp)
    if inside and fr.show_text:
        ax.text(
            xp + 0.5,
            yp + 0.5,
            pixel_label(g, n, c, yp - g.ph, xp - g.pw),
            ha="center",
            va="center",
            fontsize=fr.fs,
            zorder=5,
            fontweight="bold" if in_win else "normal",
        )


def outline_windows(ax, g: ConvGeometry, n: int, col_h: int) -> None:
    """Every window of image ``n`` but the highlighted one, outlined in its colour (inset, so
    that overlapping edges stay apart); none when there are more than 24."""
    if g.H_out * g.W_out > _MAX_OUTLINED:
        return
    for i in range(g.H_out):
        for j in range(g.W_out):
            k = (n * g.H_out + i) * g.W_out + j
            inset = 0.07 + 0.09 * ((i % 2) * 2 + (j % 2)) / 3.0
            if k == col_h:
                continue
            ax.add_patch(
                Rectangle(
                    (j * g.sw + inset, i * g.sh + inset),
                    g.WW - 2 * inset,
                    g.HH - 2 * inset,
                    fill=False,
                    edgecolor=_style.window_colour(k, 0.9),
                    linewidth=1.3,
                    zorder=3,
                )
            )


# ------------------------------------------------------------------------------ cols


def cols_panel(fig, fr: Frame, g: ConvGeometry, meta: dict):
    """The ``cols`` matrix: every cell named by the pixel it copies, the highlighted column
    outlined, channel blocks of rows and image blocks of columns separated by lines."""
    K, L = g.cols_shape
    col_h, text = meta["column"], meta["cell_text"]
    ax = add_axes_in(fig, fr.x_cols, fr.title_h + fr.cols_top, L * fr.s, K * fr.s)
    grid_axes(ax, K, L)
    for r in range(K):
        for k in range(L):
            t = text[r][k]
            hl = k == col_h
            if t == "pad":
                pad_style = {"edge": _style.PAD_TEXT, "lw": 0.4, "hatch": _style.PAD_HATCH}
                cell(ax, r, k, face=_style.PAD_FACE, **pad_style)
            else:
                cell(ax, r, k, face=_style.HIGHLIGHT if hl else _style.window_colour(k, 0.22))
            if fr.show_text:
                ax.text(
                    k + 0.5,
                    r + 0.5,
                    t,
                    ha="center",
                    va="center",
                    fontsize=fr.fs if t != "pad" else fr.fs * 0.85,
                    color=_style.PAD_TEXT if t == "pad" else "black",
                    fontweight="bold" if hl and t != "pad" else "normal",
                    zorder=5,
                    gid=f"cols-text:{r},{k}",
                )
    for c in range(1, g.C):
        ax.axhline(c * g.HH * g.WW, color="black", linewidth=1.6, zorder=4)
    for n in range(1, g.N):
        ax.axvline(n * g.H_out * g.W_out, color="black", linewidth=1.6, zorder=4)
    ax.add_patch(
        Rectangle(
            (col_h, 0),
            1,
            K,
            fill=False,
            edgecolor=_style.HIGHLIGHT_EDGE,
            linewidth=HL_WIDTH,
            zorder=6,
            gid="cols-highlight",
        )
    )
    return ax


def label_cols(ax, fr: Frame, g: ConvGeometry, meta: dict) -> None:
    """Rows ``(c,di,dj)`` on the left and their index on the right; columns ``(n,i,j)`` on
    top and their index below, in their window's colour (the highlighted one in red)."""
    K, L = g.cols_shape
    col_h = meta["column"]
    tick_fs = min(8.0, max(fr.fs, 5.0))
    ax.set_yticks([r + 0.5 for r in range(K)], meta["row_labels"], fontsize=tick_fs)
    ax.set_xticks([k + 0.5 for k in range(L)], [str(k) for k in range(L)], fontsize=tick_fs)
    top_ax = ax.secondary_xaxis("top")
    top_ax.set_xticks(
        [k + 0.5 for k in range(L)], meta["col_labels"], fontsize=tick_fs, rotation=90
    )
    top_ax.tick_params(length=0, pad=2)
    right_ax = ax.secondary_yaxis("right")
    right_ax.set_yticks([r + 0.5 for r in range(K)], [str(r) for r in range(K)], fontsize=tick_fs)
    right_ax.tick_params(length=0, pad=2)
    for labels in (ax.get_xticklabels(), top_ax.get_xticklabels()):
        labels[col_h].set_color(_style.HIGHLIGHT_EDGE)
        labels[col_h].set_fontweight("bold")
    for k, label in enumerate(ax.get_xticklabels()):
        if k != col_h:
            label.set_color(_style.window_colour(k))
    ax.set_ylabel("row (c, di, dj)", fontsize=8)
    ax.text(-0.15, K + 0.2 / fr.s, "column:", ha="right", va="center", fontsize=tick_fs)
    top_ax.set_xlabel(
        f"cols  ({K} x {L}): column (n, i, j)   — row r = (c*HH + di)*WW + dj,"
        f" column = (n*H_out + i)*W_out + j",
        fontsize=8.5,
    )


# ---------------------------------------------------------------------------- output


def output_panels(fig, fr: Frame, g: ConvGeometry, meta: dict) -> dict:
    """One ``H_out x W_out`` grid per image, each cell showing the column that makes it;
    bottom-aligned with cols when it fits.  Returns ``{n: axes}``."""
    col_h = meta["column"]
    out_h = g.N * (g.H_out * fr.s + fr.panel_title)
    top = max(fr.title_h, fr.title_h + fr.cols_top + g.cols_shape[0] * fr.s - out_h)
    out_axes = {}
    for n in range(g.N):
        ax = add_axes_in(fig, fr.x_out, top + fr.panel_title, g.W_out * fr.s, g.H_out * fr.s)
        top += fr.panel_title + g.H_out * fr.s
        grid_axes(ax, g.H_out, g.W_out)
        ax.set_title(f"out[{n}, f] (cell = column)", fontsize=8, pad=3)
        ax.set_xticks([j + 0.5 for j in range(g.W_out)], [str(j) for j in range(g.W_out)])
        ax.set_yticks([i + 0.5 for i in range(g.H_out)], [str(i) for i in range(g.H_out)])
        ax.tick_params(labelsize=min(7, fr.fs + 1), pad=1)
        for i in range(g.H_out):
            for j in range(g.W_out):
                k = (n * g.H_out + i) * g.W_out + j
                hl = k == col_h
                cell(
                    ax,
                    i,
                    j,
                    face=_style.HIGHLIGHT if hl else _style.window_colour(k, 0.35),
                    edge=_style.HIGHLIGHT_EDGE if hl else _style.GRID,
                    lw=HL_WIDTH if hl else 0.5,
                    zorder=6 if hl else 1,
                    gid="output-highlight" if hl else None,
                )
                if fr.show_text:
                    weight = "bold" if hl else "normal"
                    ax.text(j + 0.5, i + 0.5, str(k), fontsize=fr.fs, fontweight=weight, **_MID)
        out_axes[n] = ax
    return out_axes
