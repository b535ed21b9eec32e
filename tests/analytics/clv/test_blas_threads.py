"""The BLAS thread limit is applied while a fit runs and restored afterwards."""

from lojal.analytics.clv.blas_threads import _controls, single_blas_thread


def test_limit_applies_inside_and_is_restored() -> None:
    controls = _controls()
    before = [getter() for getter, _ in controls]
    with single_blas_thread():
        assert all(getter() == 1 for getter, _ in controls)
    assert [getter() for getter, _ in controls] == before


def test_nested_blocks_restore_only_when_the_last_one_leaves() -> None:
    controls = _controls()
    before = [getter() for getter, _ in controls]
    with single_blas_thread():
        with single_blas_thread():
            pass
        assert all(getter() == 1 for getter, _ in controls)
    assert [getter() for getter, _ in controls] == before
