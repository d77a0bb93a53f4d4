"""The drivers' pass/fail tally: `ok NAME` / `FAIL NAME: why` per case, then
`N passed, N failed`; summary() is the exit status (1 on any failure)."""


class Tally:
    def __init__(self, ok_prefix="ok "):
        self.passed = 0
        self.failed = 0
        self.ok_prefix = ok_prefix

    def __call__(self, name, why=None):
        """Records one case: why is None when it passed, else the reason."""
        if why is None:
            self.passed += 1
            print("%s%s" % (self.ok_prefix, name), flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why.rstrip()), flush=True)

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0
