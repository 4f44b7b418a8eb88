"""redact() on the spellings people really type (dots, full-width digits, spaced ID numbers, e-mail,
名字 after 举报人为/是/：), on generated text, and its cost on adversarial inputs (linear)."""
from __future__ import annotations

import gc
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectify.core.redaction import MASK, redact

PHONE = "13812345678"
ID = "140502199001011234"


@pytest.mark.parametrize("text, secret", [
    ("联系电话138.1234.5678，", "138.1234.5678"),
    ("手机：１３８１２３４５６７８", "１３８１２３４５６７８"),
    ("手机：１３８－１２３４－５６７８", "１３８－１２３４－５６７８"),
    ("电话 138·1234·5678", "138·1234·5678"),
    ("电话138 1234 5678", "138 1234 5678"),
    ("电话 (+86)138-1234-5678", "(+86)138-1234-5678"),
    ("电话 0086 13812345678", "0086 13812345678"),
    ("号码1 3 8 1 2 3 4 5 6 7 8。", "1 3 8 1 2 3 4 5 6 7 8"),
    ("身份证号 1405 0219 9001 0112 34，", "1405 0219 9001 0112 34"),
    ("身份证号140502 19900101 1234", "140502 19900101 1234"),
    ("身份证号：１４０５０２１９９００１０１１２３Ｘ", "１４０５０２１９９００１０１１２３Ｘ"),
    ("邮箱zhangsan@163.com反映", "zhangsan@163.com"),
    ("请发送至 li.si_2024@mail.example.gov.cn 。", "li.si_2024@mail.example.gov.cn"),
    ("邮箱：ｗａｎｇ＠qq.com", "ｗａｎｇ＠qq.com"),
    ("座机0356.202.1234", "0356.202.1234"),
    ("座机（０３５６）２０２１２３４", "（０３５６）２０２１２３４"),
])
def test_numbers_and_addresses_in_any_spelling(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and MASK in out
    assert out.replace(MASK, secret, 1) == text  # only the secret changed


@pytest.mark.parametrize("text, name", [
    ("举报人为张三，", "张三"),
    ("举报人是李四反映", "李四"),
    ("举报人：王小明。", "王小明"),
    ("举报人：王小明。", "王小明"),
    ("反映人为赵六，", "赵六"),
    ("信访人是欧阳晓明，", "欧阳晓明"),
    ("联系人为钱七 电话另告", "钱七"),
    ("投诉人：孙八。", "孙八"),
    ("投诉人系周九，", "周九"),
    ("来信人为吴十，", "吴十"),
])
def test_names_after_the_labels_in_use(text: str, name: str) -> None:
    assert name not in redact(text)


@pytest.mark.parametrize("text", [
    "2024.10.12完成整改，2024-10-12验收，2024/10/12公示",
    "投资1381.2345678万元",
    "面积138.12345678公顷",
    "金额1,381,234,567元",
    "晋环发〔2024〕5号、晋城督办〔2026〕13号、晋城销号〔2026〕1381号",
    "面积为1381234平方米，长度13812米",
    "PM2.5为47微克/立方米，同比下降12.5%",
    "举报人为匿名，反映人居环境差",
    "责任人为县政府、联系人为市生态环境局",
    "群众反映人员密集，联系人民群众",
    "统一社会信用代码 91140500MA0K1234X5",
    "第13批、第14批、第15批转办",
])
def test_kept(text: str) -> None:
    assert redact(text) == text


SEPARATORS = [" ", "-", ".", "·", "－", "．", "\u3000", "", "", ""]
FILLER = st.text(alphabet="整改完成情况河道垃圾已清理群众反映属实，。；、年月日abc ", max_size=40)


def spelled(digits: str, rnd: random.Random) -> str:
    out = digits[0]
    for d in digits[1:]:
        out += rnd.choice(SEPARATORS) + d
    return out


def widen(text: str, rnd: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() and rnd.random() < 0.5 else c for c in text)


@settings(max_examples=300, deadline=None)
@given(before=FILLER, after=FILLER, seed=st.integers(0, 2**32), which=st.sampled_from([PHONE, "13903561234", ID, "14052119700101123X"]))
def test_property_numbers_with_random_separators_are_masked(before: str, after: str, seed: int, which: str) -> None:
    rnd = random.Random(seed)
    secret = widen(spelled(which, rnd), rnd)
    text = f"{before}联系{secret}{after}"
    out = redact(text)
    digits = "".join(c for c in out if c.isdigit() or "０" <= c <= "９")
    assert which[:11] not in digits.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    assert out.startswith(before) and out.endswith(after)


# ---------------------------------------------------------------- cost: linear in the input

SHAPES = {
    "spaces after 联系电话": lambda n: "联系电话" + " " * n,
    "spaces after labels": lambda n: ("联系电话 " + " " * 20) * (n // 25),
    "digits": lambda n: "1" * n,
    "spaced digits": lambda n: "1 " * (n // 2),
    "dotted digits": lambda n: "138." * (n // 4),
    "letters (e-mail)": lambda n: "a" * n,
    "letters and dots": lambda n: "a." * (n // 2) + "@",
    "at signs": lambda n: "a@" * (n // 2),
    "labels": lambda n: "举报人为" * (n // 4),
    "label colon spaces": lambda n: "举报人：" + "　" * n,
    "cjk": lambda n: "整改" * (n // 2),
    "mixed": lambda n: ("联系人：张三 电话：138 1234 5678 zhang@a.cn 身份证 1405 0219 9001 0112 34。" * (n // 60 + 1))[:n],
}


def _cost(text: str) -> float:
    """The best of five runs of this thread's CPU time, without the garbage collector (other processes on a shared machine do not count)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(5):
            start = time.thread_time()
            redact(text)
            best = min(best, time.thread_time() - start)
    finally:
        gc.enable()
    return best


@pytest.mark.parametrize("shape", list(SHAPES))
def test_cost_grows_linearly(shape: str) -> None:
    n = 2000
    make = SHAPES[shape]
    base = max(_cost(make(n)), 2e-4)
    ten, twenty = _cost(make(10 * n)), _cost(make(20 * n))
    # Linear: ×10 and ×20 (with a generous constant of 4); quadratic would be ×100 and ×400.
    assert ten / base < 40 and twenty / base < 80, (shape, base, ten, twenty)
    assert twenty < 1.0, (shape, twenty)  # 40,000 characters well under a second
