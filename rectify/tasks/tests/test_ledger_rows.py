"""The ledger's rows are rendered by Jinja2 (``tasks/jinja2/tasks/_ledger_rows.html``, ``rectify.core.jinja``)
for speed; they must print exactly what the Django template loop they replaced printed. The loop is kept
here, verbatim, as the reference: the page's rows are compared with it byte for byte, on tasks that take
every branch (overdue, long-term, no deadline, priority, to complete, long section, cooperating unit,
text that must be escaped). The filter's scoped choices, now built only for the fields a request sends,
are checked for scope."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db.models import Prefetch
from django.template import engines
from django.utils import timezone

from rectify.inspections.models import Inspection, Plan
from rectify.supervision.schedule import attach_lights
from rectify.tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db

# The Django template loop of tasks/_ledger_table.html before the rows moved to Jinja2 (unchanged).
DJANGO_ROWS = """{% for task in page.object_list %}
    <tr class="{% if task.is_overdue %}is-overdue{% endif %}">
      <td class="seq">{{ task.seq }}</td>
      <td class="title"><a href="{% url 'tasks:detail' task.uuid %}">{{ task.display_title }}</a>
        {% if task.section_title %}<div class="muted small">{{ task.section_title|truncatechars:40 }}</div>{% endif %}
        {% if task.priority %}<span class="tag tag-priority">重点</span>{% endif %}
        {% if task.needs_completion %}<span class="tag tag-incomplete" title="{{ task.incomplete_reason }}">待完善</span>{% endif %}</td>
      <td>{{ task.region.full_name }}</td>
      <td class="units">{% for a in task.assignments.all %}{% if a.role != "cooperating" %}<span class="unit">{{ a.unit.name }}</span>{% endif %}{% endfor %}</td>
      <td class="deadline">{% if task.long_term %}<span class="tag">长期坚持</span>{% elif task.deadline %}{{ task.deadline|date:"Y-m-d" }}{% else %}—{% endif %}
        {% if task.is_overdue %}<span class="tag tag-overdue">逾期</span>{% endif %}</td>
      <td><span class="state state-{{ task.state }}">{{ task.get_state_display }}</span></td>
      <td>{% include "supervision/_light.html" with light=task.light %}</td>
    </tr>
  {% endfor %}"""

NASTY = "<script>alert('x')</script> & \"引号\""


def tbody(html: str) -> str:
    match = re.search(r"<tbody>\n  (.*)\n  </tbody>", html, re.S)
    assert match, "no ledger table on the page"
    return match.group(1)


def django_rows(tasks: list[Task]) -> str:
    ids = [t.pk for t in tasks]
    loaded = {t.pk: t for t in Task.objects.filter(pk__in=ids).select_related("region__parent", "plan", "inspection__target_region")
              .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))}
    ordered = [loaded[pk] for pk in ids]
    attach_lights(ordered)
    return str(engines["django"].from_string(DJANGO_ROWS).render({"page": {"object_list": ordered}}))


@pytest.fixture
def varied(world: Any, make_task: Any) -> list[Task]:
    past = timezone.localdate() - datetime.timedelta(days=3)
    both = {Assignment.Role.LEAD: [world.unit_city_env], Assignment.Role.RESPONSIBLE: [world.unit_county_env, world.unit_county_gov],
            Assignment.Role.COOPERATING: [world.unit_county2_gov]}
    tasks = [
        make_task(seq="1", deadline=past, units=both, priority=True, section=["一、" + "大气污染防治" * 8]),
        make_task(seq="2", long_term=True, deadline=None, title=NASTY, section=[NASTY]),
        make_task(seq="3", deadline=None, region=world.county2, units={Assignment.Role.RESPONSIBLE: [world.unit_county2_gov]}),
        make_task(seq="10", problem="问" * 80, units={Assignment.Role.COOPERATING: [world.unit_county_gov]}),
    ]
    Task.objects.filter(pk=tasks[2].pk).update(needs_completion=True, incomplete_reason=NASTY)
    return tasks


def test_the_rows_are_those_the_django_loop_printed(world: Any, varied: list[Task], login: Any) -> None:
    page = login(world.city_office).get("/ledger/").content.decode()
    rows = tbody(page)
    listed = re.findall(r'<td class="seq">([^<]+)</td>', rows)
    assert listed == ["1", "2", "3", "10"]
    by_seq = {t.seq: t for t in varied}
    assert rows == django_rows([by_seq[seq] for seq in listed])
    # every branch was taken: the comparison covers them
    assert "大气污染防治" * 8 not in rows and "一、大气污染防治" in rows  # the section cut to 40 characters
    for piece in ("is-overdue", "tag-priority", "长期坚持", "—", "tag-incomplete", "区生态环境分局</span><span class=\"unit\">城区人民政府",
                  "晋城市城区", "tag-overdue", "light light-"):
        assert piece in rows, piece
    assert rows.count("泽州县人民政府") == 1  # task 3's responsible unit; task 1's cooperating one is not shown
    assert '<td class="units"></td>' in rows  # task 10 has a cooperating unit only


def test_row_text_is_escaped_as_django_escapes(world: Any, varied: list[Task], login: Any) -> None:
    rows = tbody(login(world.city_office).get("/ledger/").content.decode())
    assert "<script>" not in rows
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;引号&quot;" in rows  # title, section and tooltip


def test_the_fast_filters_match_django(world: Any) -> None:
    from django.template.defaultfilters import date, truncatechars

    from rectify.core import jinja

    for day in (datetime.date(2030, 12, 31), datetime.date(5, 1, 2)):
        assert jinja.date(day, "Y-m-d") == date(day, "Y-m-d")
    # A moment as Django's templates print it: in local time (the filter expects it), at the turn of a day too.
    for moment in (timezone.now(), datetime.datetime(2026, 12, 31, 16, 5, tzinfo=datetime.UTC)):
        for fmt in ("Y-m-d H:i", "Y年n月j日 H:i"):
            django = engines["django"].from_string("{{ m|date:f }}").render({"m": moment, "f": fmt})
            assert jinja.date(moment, fmt) == django
    for text in ("短", "e\u0301" * 30, "长" * 40, "长" * 41, NASTY * 3):
        assert jinja.truncatechars(text, 40) == truncatechars(text, 40)
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    assert env.from_string("{{ v }}").render(v=NASTY) == str(engines["django"].from_string("{{ v }}").render({"v": NASTY}))


def test_filter_choices_stay_in_scope(world: Any, make_task: Any, login: Any) -> None:
    make_task(seq="1")
    other_inspection = Inspection.objects.create(team="另一督察组", level="provincial", round=1, target_region=world.other_city,
                                                 stationed_from=datetime.date(2023, 1, 1), stationed_to=datetime.date(2023, 2, 1),
                                                 feedback_date=datetime.date(2023, 3, 1))
    other_plan = Plan.objects.get(pk=world.other_plan.pk)
    client = login(world.city_office)
    page = client.get("/ledger/").content.decode()
    menu = re.search(r'<select name="inspection" id="id_inspection">(.*?)</select>', page, re.S)
    assert menu
    assert f'value="{world.inspection.pk}"' in menu.group(1) and f'value="{other_inspection.pk}"' not in menu.group(1)
    assert f'<option value="{world.inspection.pk}">{world.inspection}</option>' in menu.group(1)  # named as str() names it
    chosen = client.get("/ledger/", {"inspection": world.inspection.pk}).content.decode()
    assert f'<option value="{world.inspection.pk}" selected>{world.inspection}</option>' in chosen
    for param, value in (("inspection", other_inspection.pk), ("plan", other_plan.pk), ("region", world.other_city.pk),
                         ("unit", world.unit_other_env.pk)):
        response = client.get("/ledger/", {param: value})
        assert "alert-error" in response.content.decode(), param
    for param, value in (("inspection", world.inspection.pk), ("plan", world.plan.pk), ("region", world.county.pk),
                         ("unit", world.unit_county_env.pk)):
        response = client.get("/ledger/", {param: value})
        assert "alert-error" not in response.content.decode(), param
        assert re.findall(r'<td class="seq">([^<]+)</td>', response.content.decode()) == ["1"], param


def test_filter_widgets_are_the_forms_own(world: Any, make_task: Any, login: Any) -> None:
    """The empty form's widgets, drawn once per process, are what the form draws; a filled form is drawn each time."""
    from rectify.tasks.filters import LedgerFilter

    make_task(seq="1")
    client = login(world.city_office)
    names = ("section", "deadline_from", "deadline_to", "ordering", "long_term", "overdue", "needs_completion", "state")
    empty = LedgerFilter(None, queryset=Task.objects.all(), user=world.city_office).form
    for _ in range(2):  # the second page comes from the drawings kept
        page = client.get("/ledger/").content.decode()
        for name in names:
            assert str(empty[name]) in page, name
    query = {"section": "<b>章</b>", "ordering": "-deadline", "long_term": "true", "overdue": "on", "state": ["assigned", "applied"],
             "deadline_from": "2030-01-01"}
    filled = LedgerFilter(query, queryset=Task.objects.all(), user=world.city_office).form
    page = client.get("/ledger/", query).content.decode()
    for name in names:
        assert str(filled[name]) in page, name
    assert 'value="&lt;b&gt;章&lt;/b&gt;"' in page and 'value="-deadline" selected' in page and 'value="applied" id="id_state_2" checked' in page
    # A query that sends a few fields (a search, one filter, a wrong date): every widget, sent or not, is the one
    # the bound form draws (those not sent come from the empty form's drawings).
    for partial in ({"q": "污水"}, {"overdue": "on"}, {"deadline_to": "不是日期", "q": "章"}, {"state": ["assigned"], "long_term": "false"}):
        bound = LedgerFilter(partial, queryset=Task.objects.all(), user=world.city_office).form
        page = client.get("/ledger/", partial).content.decode()
        for name in names:
            assert str(bound[name]) in page, (partial, name)
    assert 'aria-invalid="true"' in client.get("/ledger/", {"deadline_to": "不是日期"}).content.decode()


def test_each_filter_set_has_its_own_filters(world: Any, make_task: Any) -> None:
    """The declared filters are copied per filter set without a deep copy: each copy has its own query set
    and ``extra`` (a user's scoped choices never reach another's), and a filter with a method calls its own set."""
    from rectify.accounts.models import RoleGrant, User
    from rectify.tasks.filters import LedgerFilter

    other_office = User.objects.create_user(username="other_office", password="x")
    RoleGrant.objects.create(user=other_office, role="office", region=world.other_city)
    city = make_task(seq="1")
    other = make_task(plan=world.other_plan, region=world.other_city)
    base = LedgerFilter.base_filters
    mine, theirs = (LedgerFilter({"region": str(world.city.pk)}, queryset=Task.objects.visible_to(user), user=user)
                    for user in (world.city_office, other_office))
    assert list(mine.qs) == [city] and list(theirs.qs) == [other]  # the other office may not choose the city: ignored
    assert "region" in theirs.form.errors and "region" not in mine.form.errors
    for name in base:
        assert mine.filters[name] is not base[name] and mine.filters[name].extra is not base[name].extra
        assert mine.filters[name].extra is not theirs.filters[name].extra
    assert base["region"].extra["queryset"].query.is_empty()  # the declared filter still offers nothing
    assert mine.filters["region"].filter.f is mine.filters["region"]  # the method is bound to the set's own copy
    assert mine.filters["region"].parent is mine and theirs.filters["region"].parent is theirs
    assert list(LedgerFilter({"region_name": world.other_city.name}, queryset=Task.objects.visible_to(other_office),
                             user=other_office).qs) == [other]


def test_inspection_menu_escaped_selected_and_renamed(world: Any, make_task: Any, login: Any) -> None:
    """The 督察 menu's options are escaped once and kept (``LedgerFilter._inspection_menu``): a team's name
    with markup shows as text, the chosen one is selected (the empty one when none is), a rename shows at once."""
    from django.utils.html import escape

    make_task(seq="1")
    nasty = Inspection.objects.create(team=NASTY, level="provincial", round=2, target_region=world.city,
                                      stationed_from=datetime.date(2023, 1, 1), stationed_to=datetime.date(2023, 2, 1),
                                      feedback_date=datetime.date(2023, 3, 1))
    client = login(world.city_office)

    def menu(**params: Any) -> str:
        page = client.get("/ledger/", params).content.decode()
        found = re.search(r'<select name="inspection" id="id_inspection">(.*?)</select>', page, re.S)
        assert found
        return found.group(1)

    assert "<script>" not in menu() and f'<option value="{nasty.pk}">{escape(str(nasty))}</option>' in menu()
    assert menu().startswith('<option value="" selected>')
    chosen = menu(inspection=nasty.pk)
    assert f'<option value="{nasty.pk}" selected>{escape(str(nasty))}</option>' in chosen
    assert '<option value="" selected>' not in chosen and chosen.count(" selected") == 1
    Inspection.objects.filter(pk=nasty.pk).update(team="改名督察组")
    assert f'<option value="{nasty.pk}">{Inspection.objects.get(pk=nasty.pk)}</option>' in menu()
