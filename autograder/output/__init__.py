"""What the grader writes: the grade store and what is derived from it.

- :mod:`~autograder.output.store`     one JSON file per graded notebook, written atomically
                                      by the single writer; grades.csv and nbgrader exports
- :mod:`~autograder.output.feedback`  one page per student and notebook
- :mod:`~autograder.output.report`    the class report
- :mod:`~autograder.output.progress`  progress bars
- :mod:`~autograder.output.files`     atomic writes and safe file names
"""
