"""zh-hans formats with ISO first among the input formats.

Django's zh_Hans locale renders form values as 2027/06/30, which an ``<input type="date">``
cannot show (it keeps only ISO values): the field looks empty and a resubmitted form loses the
date. With ISO first, every date widget renders 2027-06-30; the other formats are still accepted.
"""
from django.conf.locale.zh_Hans.formats import *  # noqa: F403
from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DATE
from django.conf.locale.zh_Hans.formats import DATETIME_INPUT_FORMATS as _DATETIME

DATE_INPUT_FORMATS = ["%Y-%m-%d", *(f for f in _DATE if f != "%Y-%m-%d")]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", *(f for f in _DATETIME if f not in {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"})]
# Seconds first, so that a value shown in a time input and sent back keeps its seconds.
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M", "%H:%M:%S.%f"]
