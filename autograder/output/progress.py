"""Progress bars — tqdm on a terminal when installed, else a line counter;
nothing but the final summary when the output is not a terminal."""

from __future__ import annotations

import sys

__all__ = ["Progress"]


class Progress:
    def __init__(self, total: int, desc: str, stream=None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.total, self.desc, self.n = total, desc, 0
        tty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = tty if enabled is None else enabled
        self.bar = None
        if self.enabled:
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=desc, file=self.stream, unit="nb")
            except ImportError:
                self.bar = None

    def update(self, note: str = "") -> None:
        self.n += 1
        if not self.enabled:
            return
        if self.bar is not None:
            if note:
                self.bar.set_postfix_str(note, refresh=False)
            self.bar.update(1)
        else:
            self.stream.write(f"\r{self.desc}: {self.n}/{self.total} {note[:50]:<50}")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            self.stream.write("\n")
