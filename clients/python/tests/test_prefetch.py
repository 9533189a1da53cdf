"""Plans, warm-up and prefetch hints through the daemon."""

from .helpers import DaemonTestCase, pseudo_random_bytes


class Prefetch(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sizes = {}
        for i in range(3):
            data = pseudo_random_bytes(200_000 + i, 50 + i)
            cls.sizes[cls.put("warm/f%d.bin" % i, data)] = len(data)

    def test_submit_plan(self):
        order = ["warm/f2.bin", "warm/f0.bin", "warm/f1.bin"]
        res = self.unless_unimplemented("Cache.SubmitPlan", lambda: self.client.submit_plan("py-plan", 0, order))
        self.assertEqual(res.files_accepted, 3)
        self.assertEqual(res.bytes_planned, sum(self.sizes.values()))

    def test_warmup_yields_progress_until_done(self):
        progress = self.unless_unimplemented("Cache.Warmup", lambda: list(self.client.warmup("warm")))
        last = progress[-1]
        self.assertTrue(last.done)
        self.assertEqual((last.files_total, last.bytes_total), (3, sum(self.sizes.values())))
        check = list(self.client.warmup("warm", check_only=True))[-1]
        self.assertEqual(check.bytes_cached, check.bytes_total)

    def test_prefetch_hint(self):
        res = self.unless_unimplemented(
            "Cache.Prefetch", lambda: self.client.prefetch(paths=["warm/f0.bin"], ranges=[("warm/f1.bin", 0, 1000)])
        )
        self.assertGreaterEqual(res.blocks_queued + res.blocks_dropped, 1)
