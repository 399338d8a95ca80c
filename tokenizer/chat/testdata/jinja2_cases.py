#!/usr/bin/env python3
"""Writes jinja2_cases.json: small templates rendered by Python's jinja2 the way
Hugging Face's apply_chat_template configures it, as reference data for the Go
interpreter's tests.

The environment is set up here from the documented HF behaviour: an immutable
sandbox, trim_blocks and lstrip_blocks, the loopcontrols extension, a tojson
that calls json.dumps without ASCII escaping, raise_exception, strftime_now on a
fixed clock, and a pass-through {% generation %} tag.

Run: python3 jinja2_cases.py > jinja2_cases.json   (needs jinja2 >= 3.1)
"""

import copy
import datetime
import json
import re
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

NOW = datetime.datetime(2026, 11, 26, 14, 5, 9)


class Generation(Extension):
    """{% generation %}...{% endgeneration %} renders its body unchanged."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent,
                      separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)
    return env


MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "  Hi there!  "},
    {"role": "assistant", "content": "Hello.", "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]},
    {"role": "tool", "content": "22", "tool_call_id": "call_1"},
    {"role": "user", "content": "Ünïcødé 日本 🙂 \"quoted\" it's"},
]

BASE = {
    "messages": MESSAGES,
    "d": {"b": 1, "a": [1, 2.5, None, True, "x"], "c": {"z": "é", "y": []}},
    "users": [{"name": "ann", "age": 31}, {"name": "bob", "age": 25}, {"name": "cy"}],
    "n": 7,
    "f": 2.5,
    "s": "Hello World",
    "empty": "",
    "nothing": None,
    "items_dict": {"items": 5, "keys": "k"},
    "bos_token": "<s>",
    "eos_token": "</s>",
    "add_generation_prompt": True,
}

CASES = [
    # --- whitespace control and lexing
    ("ws_trim_blocks", "a\n{% if true %}\nb\n{% endif %}\nc"),
    ("ws_lstrip", "x\n    {% if true %}y{% endif %}  \nz"),
    ("ws_lstrip_tabs", "x\n\t \t{% if true %}\ty\n\t{% endif %}\nz"),
    ("ws_lstrip_not_var", "x\n    {{ 'y' }}\n"),
    ("ws_lstrip_first_line", "   {% if true %}a{% endif %}"),
    ("ws_lstrip_text_before", "ab  {% if true %}c{% endif %}"),
    ("ws_minus", "a  \n {%- if true -%}  \n  b  \n  {%- endif -%} \n c"),
    ("ws_plus_left", "a\n    {%+ if true %}b{% endif %}"),
    ("ws_plus_right", "{% if true +%}\nb{% endif %}"),
    ("ws_var_minus", "a  {{- ' b ' -}}  c"),
    ("ws_comment", "a\n{# comment #}\nb\n  {# indented #}\nc {#- x -#} d"),
    ("ws_trailing_newline", "x\n"),
    ("ws_two_trailing_newlines", "x\n\n"),
    ("ws_crlf", "a\r\nb\rc\r\n{% if true %}\r\nd{% endif %}"),
    ("ws_raw", "{% raw %}{{ x }} {% if %}{% endraw %}|"),
    ("ws_trim_after_spaces", "{% if true %}   \ny{% endif %}"),
    ("ws_var_no_trim", "{{ 'a' }}\nb"),
    ("ws_nested_braces", "{{ {'a': {'b': 1}} }}|{{ {'a': 1}['a'] }}"),
    ("ws_set_lines", "{% set x = 1 %}\n{% set y = 2 %}\n{{ x + y }}\n"),
    ("ws_block_in_line", "a {% if true %}b{% endif %} c\n  d {% for i in [1] %}{{ i }}{% endfor %}\n"),
    ("ws_unicode_space", "x\n\u3000{% if true %}y{% endif %}"),
    ("ws_minus_unicode", "x\u3000 {%- if true %}y{% endif %}"),
    ("ws_endraw_minus", "{% raw -%}  a  {%- endraw %}|"),
    ("ws_comment_trim", "{# c #}\nx\n{#- c #}\ny"),
    ("ws_only_tags", "{% if true %}\n{% endif %}\n{% if true %}\n{% endif %}\n"),

    # --- literals and printing
    ("lit_ints", "{{ 1 }} {{ -3 }} {{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }}"),
    ("lit_floats", "{{ 1.5 }} {{ 1e3 }} {{ 2.0 }} {{ 1e20 }} {{ 1e16 }} {{ 1e15 }} {{ 1.5e-5 }} {{ 0.0001 }} {{ 123456789.123456789 }}"),
    ("lit_float_math", "{{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 2 ** 0.5 }} {{ 10 / 4 }} {{ 1e300 * 1e10 }} {{ -1e300 * 1e10 }}"),
    ("lit_strings", "{{ 'a\\tb' }}|{{ \"it's\" }}|{{ 'x\\'y' }}|{{ '\\u00e9\\x41\\\\' }}|{{ 'a' 'b' }}|{{ '\\n' }}|{{ 'q\\qz' }}"),
    ("lit_bools", "{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}"),
    ("lit_list_repr", "{{ [1, 'a', none, true, 1.5, [2], {'k': 'v'}] }}"),
    ("lit_tuple_repr", "{{ (1,) }} {{ (1, 'b') }} {{ () }} {{ 1, 2 }}"),
    ("lit_str_repr", "{{ [\"it's\"] }} {{ ['a\"b'] }} {{ ['both \\' and \"'] }} {{ ['a\\nb\\t\\\\'] }} {{ ['é日🙂'] }} {{ ['\\x01\\x7f\\u200b'] }}"),
    ("lit_dict_repr", "{{ {'a': 1, 'b': none, 1: 'x', 'c': (1, 2)} }}"),
    ("print_context", "{{ d }}|{{ users[0] }}|{{ nothing }}|{{ f }}|{{ n }}"),

    # --- arithmetic and operators
    ("math_int", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ -2 ** 2 }}"),
    ("math_float", "{{ 1.5 + 1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 3 * 1.5 }} {{ 2.5 - 5 }}"),
    ("math_str", "{{ 'ab' * 3 }}|{{ 3 * 'x' }}|{{ 'a' + 'b' }}|{{ [1] * 2 }}|{{ 'x' * 0 }}|{{ 'y' * -1 }}"),
    ("math_str_mod", "{{ '%s and %s' % ('a', 1) }} {{ '%d%%' % 5 }} {{ '%s' % [1] }} {{ '%5.1f|%-4s|' % (2.25, 'x') }}"),
    ("math_list", "{{ [1, 2] + [3] }} {{ (1,) + (2,) }}"),
    ("math_bool", "{{ true + 1 }} {{ true * 3 }}"),
    ("math_unary", "{{ -n }} {{ +n }} {{ -f }} {{ - n|abs }}"),
    ("concat", "{{ 'a' ~ 1 ~ none ~ true ~ 1.0 ~ [1] ~ undefined_thing }}"),
    ("compare", "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }} {{ 1 != 2 }} {{ 'a' == 'a' }} {{ none == none }} {{ [1, 2] < [1, 3] }} {{ 2 >= 2.0 }}"),
    ("compare_mixed", "{{ 1 == '1' }} {{ none == 0 }} {{ true == 1 }} {{ (1, 2) == [1, 2] }} {{ {'a': 1} == {'a': 1} }}"),
    ("membership", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ '' in 'x' }} {{ 'b' in d }} {{ 1.0 in [1] }} {{ 'tool_calls' in messages[2] }}"),
    ("logic", "[{{ 0 or 'x' }}] [{{ 1 and 2 }}] [{{ '' and 1 }}] [{{ not [] }}] [{{ none or none }}] [{{ not 0 and 1 }}] [{{ [] or {} }}]"),
    ("condexpr", "[{{ 'y' if true else 'n' }}] [{{ 'y' if false }}] [{{ 'a' if 0 else 'b' if 1 else 'c' }}]"),
    ("err_precedence_concat", "{{ 1 + 2 ~ 3 }}"),
    ("precedence", "{{ 'a' ~ 2 * 3 }} {{ not 1 == 2 }} {{ -2|abs }} {{ 2 * 3|string }} {{ 1 + 1 == 2 and 'ok' }}"),
    ("test_precedence", "{{ 1 == 1 is sameas true }} {{ not none is none }} {{ 'x' ~ none is none }}"),

    # --- undefined
    ("undef_print", "[{{ foo }}] [{{ foo is defined }}] [{{ foo|length }}] [{% for x in foo %}{{ x }}{% endfor %}] [{{ foo ~ 'x' }}] [{{ foo is undefined }}] [{{ not foo }}]"),
    ("undef_missing_key", "[{{ d.missing }}] [{{ d['missing'] }}] [{{ users[9] }}] [{{ 'abc'[10] }}] [{{ nothing.x }}] [{{ s.nope }}]"),
    ("undef_eq", "{{ foo == none }} {{ foo == foo2 }} {{ foo != 1 }} {{ foo in [1] }} {{ 1 in foo }}"),
    ("undef_default", "{{ foo|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) }} {{ nothing|default('d') }} {{ foo|d('e') }} {{ 0|default(5, boolean=true) }}"),
    ("undef_iterable", "{{ foo is iterable }} {{ foo is string }} {{ foo is mapping }} {{ foo is none }}"),
    ("err_undef_add", "{{ foo + 'x' }}"),
    ("err_undef_attr", "{{ foo.bar }}"),
    ("err_undef_item", "{{ foo[0] }}"),
    ("err_undef_call", "{{ foo() }}"),
    ("err_undef_nested", "{{ d.missing.x }}"),
    ("err_undef_compare", "{{ foo < 1 }}"),
    ("err_undef_neg", "{{ -foo }}"),
    ("err_functions_undefined", "{% set x = 'a' + '\\n' + functions %}{{ x }}"),

    # --- attribute and item access
    ("access_attr_item", "{{ d.b }} {{ d['b'] }} {{ users[1].name }} {{ users[-1]['name'] }} {{ messages[0].role }} {{ d.a[1] }} {{ d.a.1 }}"),
    ("access_dict_methods", "{{ items_dict['items'] }} {{ items_dict.keys is defined }} {{ items_dict['keys'] }} {{ items_dict.get('items') }} {{ d.get('zz') }} {{ d.get('zz', 3) }} {{ d.get('b', 3) }}"),
    ("access_method_attr", "[{{ d.items.type }}] {{ d.items.type is defined }} {{ d.items is iterable }} {{ d.items.type is iterable }}"),
    ("slices", "{{ 'abcdef'[1:4] }} {{ 'abcdef'[::-1] }} {{ 'abcdef'[::2] }} {{ 'abcdef'[-2:] }} {{ 'abcdef'[:-2] }} {{ [1, 2, 3][1:] }} {{ [1, 2, 3][5:] }} {{ [1, 2, 3][::-2] }} {{ 'abc'[-10:10] }} {{ (1, 2, 3)[:2] }}"),
    ("negative_index", "{{ 'abc'[-1] }} {{ [1, 2, 3][-3] }} [{{ [1, 2, 3][-4] }}]"),
    ("messages_slice", "{% set loop_messages = messages[1:] %}{{ loop_messages|length }} {{ loop_messages[0].role }}"),

    # --- statements
    ("if_elif", "{% for v in [0, 1, 2, 3] %}{% if v == 0 %}zero{% elif v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %},{% endfor %}"),
    ("if_tuple", "{% if 0, 0 %}t{% endif %}"),
    ("for_loop_vars", "{% for x in 'abc' %}{{ loop.index0 }}{{ loop.index }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}[{{ loop.previtem }}][{{ loop.nextitem }}]{{ loop.depth }}{{ loop.depth0 }}|{% endfor %}"),
    ("for_filter", "{% for x in range(10) if x is odd %}{{ x }}:{{ loop.index }}/{{ loop.length }}{% if loop.last %}L{% endif %},{% endfor %}"),
    ("for_filter_tuple_items", "{% for k, v in [[1, 2], [3, 4]] if k %}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}{% for x in [[1, 2]] if x %}{{ loop.nextitem }}{{ x }}{% endfor %}"),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}|{% for x in [1, 2] if x > 5 %}{% else %}filtered{% endfor %}"),
    ("for_else_after_break", "{% for x in [1] %}{% break %}{% else %}else-after-break{% endfor %}|{% for x in [1, 2] %}{% if x == 2 %}{% continue %}{% endif %}{% else %}no{% endfor %}|{% for x in [1, 2] %}{% if x == 1 %}{% continue %}{% endif %}{% else %}yes{% endfor %}"),
    ("for_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
    ("for_cycle", "{% for x in range(5) %}{{ loop.cycle('a', 'b', 'c') }}{% endfor %}"),
    ("for_changed", "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}"),
    ("for_nested_loop", "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}"),
    ("for_unpack", "{% for a, b in [[1, 2], [3, 4]] %}{{ a }}-{{ b }};{% endfor %}{% for k, v in {'x': 1, 'y': 2}|items %}{{ k }}={{ v }};{% endfor %}{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}"),
    ("for_dict_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d.keys() %}{{ k }}{% endfor %}|{% for v in d.values() %}{{ v }}{% endfor %}"),
    ("for_string", "{% for c in 'héllo' %}[{{ c }}]{% endfor %}"),
    ("for_recursive", "{% for item in tree recursive %}{{ item.name }}{% if item.children %}({{ loop(item.children) }}){% endif %}{{ loop.depth }}{% endfor %}",
     {"tree": [{"name": "a", "children": [{"name": "b", "children": []}, {"name": "c"}]}, {"name": "d"}]}),
    ("for_tuple_list", "{% for field, name in [('max', 'Max'), ('min', 'Min')] %}{{ field }}={{ name }} {% endfor %}"),
    ("for_previtem_role", "{% for m in messages %}{% if loop.previtem and loop.previtem.role != 'tool' %}[{{ loop.previtem.role }}]{% endif %}{% if not loop.last and loop.nextitem.role != 'tool' %}<{{ loop.nextitem.role }}>{% endif %}{% endfor %}"),
    ("for_loop_after", "{% for i in [1, 2] %}{% endfor %}[{{ i }}]{% for i in [] %}{% endfor %}[{{ loop }}]"),
    ("scope_for_set", "{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}"),
    ("scope_for_set2", "{% for i in [1, 2, 3] %}{% if i == 1 %}{% set y = 'one' %}{% endif %}[{{ y }}]{% endfor %}[{{ y }}]"),
    ("scope_if_set", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}"),
    ("scope_namespace", "{% set ns = namespace(c=0, s='') %}{% for i in [1, 2, 3] %}{% set ns.c = ns.c + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.c }} {{ ns.s }}"),
    ("scope_namespace_list", "{% set ns = namespace() %}{% set ns.a = [1] %}{% set ns.a = ns.a + [2] %}{{ ns.a }}"),
    ("scope_namespace_kw", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}[{{ ns.c }}]"),
    ("scope_tuple_set", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c, e = [3, 4] %}{{ c }}{{ e }}"),
    ("scope_block_set", "{% set x %}  block {{ 1 }}\n  {% endset %}[{{ x }}]{% set y | upper | trim %} abc {% endset %}[{{ y }}]"),
    ("scope_reassign_global", "{% set messages = messages[1:] %}{{ messages|length }}{% set n = n + 1 %}{{ n }}"),
    ("scope_loop_var_shadow", "{% set x = 'outer' %}{% for x in [1, 2] %}{{ x }}{% endfor %}{{ x }}"),
    ("scope_set_in_loop_then_use", "{% for m in messages %}{% set content = m.content %}{% if loop.last %}{{ content }}{% endif %}{% endfor %}[{{ content }}]"),
    # jinja2 resolves names per frame at compile time; these show the quirks
    ("scope_late_root_set_in_loop", "{% for i in [1] %}[{{ n }}]{% endfor %}{% set n = 1 %}[{{ n }}]"),
    ("scope_late_root_set_in_if", "{% if true %}[{{ n }}]{% endif %}{% set n = 1 %}[{{ n }}]"),
    ("scope_late_root_set_in_filter", "{% filter upper %}[{{ n }}]{% endfilter %}{% set n = 1 %}"),
    ("scope_late_root_set_in_macro", "{% macro m() %}[{{ n }}]{% endmacro %}{{ m() }}{% set n = 1 %}{{ m() }}"),
    ("scope_late_root_set_after_load", "{% for i in [1] %}[{{ n }}]{% endfor %}[{{ n }}]{% set n = 1 %}"),
    ("scope_loop_store_then_load", "{% for i in [1, 2] %}[{{ n }}]{% set n = 5 %}[{{ n }}]{% endfor %}"),
    ("scope_nested_loop_store", "{% for i in [1, 2] %}{% for j in [1] %}[{{ n }}]{% endfor %}{% set n = 5 %}{% endfor %}"),
    ("scope_branch_store", "{% if false %}{% set n = 1 %}{% endif %}[{{ n }}]{% for i in [1] %}{% if false %}{% set n = 2 %}{% endif %}[{{ n }}]{% endfor %}"),
    ("scope_with_late", "{% with %}[{{ n }}]{% endwith %}{% set n = 1 %}"),
    ("scope_set_block_late", "{% set x %}[{{ n }}]{% endset %}{{ x }}{% set n = 1 %}"),
    ("scope_macro_param_shadow", "{% set a = 'outer' %}{% macro m(a) %}{{ a }}{% set a = 'inner' %}{{ a }}{% endmacro %}{{ m('arg') }}{{ a }}"),
    ("scope_loop_target_shadow_outer", "{% set x = 'o' %}{% for x in [1] %}{% set x = 'i' %}{{ x }}{% endfor %}{{ x }}"),
    ("scope_with", "{% with a = 1, b = 2 %}{{ a + b }}{% set c = 3 %}{{ c }}{% endwith %}[{{ a }}{{ c }}]"),
    ("macro_basic", "{% macro f(a, b=2) %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(1, 3) }}{{ f(b=5, a=0) }}{{ f(1) + 'x' }}{{ f() }}"),
    ("macro_varargs", "{% macro g(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ g(1, 2, 3, k=3) }}|{{ g(1) }}"),
    ("macro_recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}"),
    ("macro_late_global", "{% macro m() %}{{ v }}{% endmacro %}[{{ m() }}]{% set v = 3 %}[{{ m() }}]"),
    ("macro_sees_context", "{% macro m() %}{{ messages|length }}{{ n }}{% endmacro %}{{ m() }}"),
    ("macro_ns_mutation", "{% set ns = namespace(v=0) %}{% macro bump() %}{% set ns.v = ns.v + 1 %}{% endmacro %}{{ bump() }}{{ bump() }}{{ ns.v }}"),
    ("macro_set_local", "{% set v = 1 %}{% macro m() %}{% set v = 2 %}{{ v }}{% endmacro %}{{ m() }}{{ v }}"),
    ("macro_whitespace", "{%- macro t(x) %}\n    {{- x|upper }}\n    {%- if x == 'a' %}\n        {{- '!' }}\n    {%- endif %}\n{%- endmacro %}\n\n{{- t('a') }}|{{ t('b') }}"),
    ("macro_caller", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inner {{ n }}{% endcall %}"),
    ("macro_caller_args", "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}<{{ x }}>{% endcall %}"),
    ("macro_default_expr", "{% macro m(a, b=a) %}{{ b }}{% endmacro %}{{ m(4) }}"),
    ("macro_returns_string", "{% macro m() %}1{% endmacro %}{{ m() is string }} {{ m()|int + 1 }} {{ (m() ~ '2')|length }}"),
    ("err_macro_too_many", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}"),
    ("err_macro_unknown_kw", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=1) }}"),
    ("filter_block", "{% filter upper %}abc {{ 'd' }}{% endfilter %}|{% filter trim %}  x  {% endfilter %}|{% filter replace('a', 'b') | upper %}aaa{% endfilter %}"),
    ("generation_tag", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.role }}{% endif %}|{% endfor %}"),
    ("print_stmt", "{% print 'a', 1 %}"),

    # --- filters
    ("f_trim", "[{{ '  x \\n'|trim }}] [{{ 'xxaxx'|trim('x') }}] [{{ messages[1].content|trim }}]"),
    ("f_case", "{{ s|upper }} {{ s|lower }} {{ 'hello wORLD'|capitalize }} {{ 'hello wORLD-x y_z'|title }} {{ \"they're\"|title }}"),
    ("f_length", "{{ 'abc'|length }} {{ [1, 2]|length }} {{ d|length }} {{ 'héllo'|count }} {{ users|length }}"),
    ("f_join", "{{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ users|join(', ', attribute='name') }} {{ 'abc'|join('-') }}"),
    ("f_first_last", "{{ [1, 2]|first }} {{ 'ab'|last }} [{{ []|first }}] {{ d|first }} {{ users|last }}"),
    ("f_list", "{{ 'abc'|list }} {{ d|list }} {{ (1, 2)|list }} {{ d.items()|list }}"),
    ("f_items", "{{ {'a': 1, 'b': [2]}|items|list }} {{ {}|items|list }} [{% for k, v in foo|items %}{% endfor %}]"),
    ("f_string", "{{ [1, 'a']|string }} {{ none|string }} {{ 1.0|string }} {{ true|string }} {{ d|string }} {{ 'x'|string }}"),
    ("f_replace", "{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'abc'|replace('', '-') }} {{ \"it's\"|replace(\"'\", '\"') }}"),
    ("f_indent", "[{{ 'a\\nb\\n\\nc'|indent(2) }}] [{{ 'a\\nb'|indent(4, first=true) }}] [{{ 'a\\n\\nb'|indent(2, blank=true) }}] [{{ 'a\\nb'|indent('>> ') }}] [{{ 'a\\nb\\n'|indent }}] [{{ ''|indent(first=true) }}]"),
    ("f_default_chain", "{{ users[2].age|default('?') }} {{ (users|first).name|default('?') }}"),
    ("f_select", "{{ messages|selectattr('role', 'equalto', 'user')|list|length }} {{ messages|map(attribute='role')|join(',') }} {{ messages|selectattr('tool_calls')|list|length }} {{ messages|selectattr('tool_call_id', 'defined')|map(attribute='content')|list }} {{ messages|rejectattr('role', 'in', ['user', 'tool'])|map(attribute='role')|list }}"),
    ("f_select_plain", "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} {{ [1, 2, 3]|select('gt', 1)|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ [0, 1, '', 'a']|reject|list }} {{ ['a', 1, none]|select('string')|list }}"),
    ("f_map", "{{ [1, 2, 3]|map('string')|join }} {{ ['a', 'B']|map('upper')|list }} {{ users|map(attribute='age', default=0)|list }} {{ [' a ', 'b ']|map('trim')|list }} {{ [[1, 2], [3]]|map('length')|list }} {{ users|map(attribute='name')|map('upper')|join('/') }}"),
    ("f_map_nested_attr", "{{ messages|selectattr('tool_calls', 'defined')|map(attribute='tool_calls')|map('first')|map(attribute='function.name')|list }}"),
    ("f_unique", "{{ [1, 2, 1, 'a', 'A', 'a']|unique|list }} {{ ['a', 'A']|unique(case_sensitive=true)|list }} {{ users|unique(attribute='name')|map(attribute='name')|list }}"),
    ("f_sort", "{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }} {{ users|sort(attribute='name', reverse=true)|map(attribute='name')|list }}"),
    ("f_dictsort", "{{ {'b': 1, 'a': 2, 'C': 0}|dictsort }} {{ {'b': 1, 'a': 2}|dictsort(by='value') }} {{ {'b': 1, 'a': 2, 'C': 0}|dictsort(reverse=true) }}"),
    ("f_reverse", "{{ 'abc'|reverse }} {{ [1, 2, 3]|reverse|list }}"),
    ("f_minmax_sum", "{{ [3, 1, 2]|max }} {{ [3, 1, 2]|min }} {{ [1, 2, 3]|sum }} {{ [1.5, 2]|sum }} {{ users[:2]|sum(attribute='age') }} {{ ['b', 'A']|max }} {{ []|sum(start=10) }}"),
    ("f_numbers", "{{ '42'|int }} {{ 'x'|int }} {{ '3.7'|int }} {{ 3.7|int }} {{ -3.7|int }} {{ '0x1A'|int(0, 16) }} {{ '3.5'|float }} {{ 'x'|float }} {{ 3|float }} {{ ' 12 '|int }} {{ true|int }} {{ none|int(-1) }}"),
    ("f_round", "{{ 2.5|round }} {{ 3.5|round }} {{ 3.14159|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }} {{ 7|round }} {{ 2.675|round(2) }} {{ -2.5|round }} {{ 1234.5|round(-2) }}"),
    ("f_abs", "{{ -3|abs }} {{ (-3.5)|abs }} {{ n|abs }}"),
    ("f_tojson", "{{ d|tojson }}|{{ messages[2].tool_calls[0].function.arguments|tojson }}|{{ users|tojson }}"),
    ("f_tojson_indent", "{{ d|tojson(indent=2) }}|{{ {}|tojson(indent=2) }}|{{ []|tojson(indent=2) }}|{{ [[], {}]|tojson(indent=4) }}|{{ 'x'|tojson(indent=2) }}"),
    ("f_tojson_strings", "{{ 'é<>&\\'\"\\\\\\n\\t\\x01\\x7f\\u2028🙂'|tojson }}|{{ '\\ud800'|length }}"),
    ("f_tojson_numbers", "{{ [1, 1.5, 1.0, 1e20, 1e16, 1e-7, 0.1, -0.0, 123456789012, 3.14159265358979, 1e22, 5e-324]|tojson }}"),
    ("f_tojson_options", "{{ d|tojson(sort_keys=true) }}|{{ d|tojson(separators=(',', ':')) }}|{{ d|tojson(indent=1, separators=(',', ': ')) }}|{{ (1, 'a')|tojson }}|{{ none|tojson }}|{{ true|tojson }}"),
    ("f_tojson_keys", "{{ {1: 'a', 2.5: 'b', true: 'c', none: 'd'}|tojson }}"),
    ("f_tojson_indent_str", "{{ {'a': [1]}|tojson(indent='\\t') }}"),
    ("f_safe_escape", "{{ '<a>'|safe }} {{ '<a href=\"x\">&\\''|e }} {{ '<b>'|escape|length }} {{ '<b>'|forceescape }}"),
    ("f_format", "{{ '%s-%d'|format('a', 3) }} {{ '%05.2f|%x|%r'|format(3.14159, 255, 'q') }} {{ '%(a)s'|format(a=1) }} {{ '%s'|format([1]) }}"),
    ("f_misc", "{{ 'a b  c'|wordcount }} {{ 'abc'|center(9) }}| {{ 'hello world foo'|truncate(9) }} {{ 'ab'|truncate(9) }} {{ '<p>x <b>y</b></p>'|striptags }} {{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3, 4, 5]|slice(2)|list }} {{ 'a b'|urlencode }} {{ {'a': 'b c'}|urlencode }}"),
    ("f_attr", "{{ users[0]|attr('name') }}|{{ d|attr('b') }}|{{ 'x'|attr('upper') is callable }}"),
    ("f_groupby", "{% for g in users|groupby('age', default=0) %}{{ g.grouper }}:{{ g.list|map(attribute='name')|join }};{% endfor %}{% for k, v in [{'t': 'a'}, {'t': 'b'}, {'t': 'a'}]|groupby('t') %}{{ k }}{{ v|length }}{% endfor %}"),
    ("f_wordwrap", "{{ 'the quick brown fox jumps'|wordwrap(10) }}"),
    ("f_wordwrap_python", "{{ messages[-1].content|wordwrap(5) }}|{{ 'the quick brown-fox jumps--over well-known re-entrant co-operation state-of-the-art'|wordwrap(9) }}|{{ 'aaaaaaaaaaaaaaaaaaaaa bb'|wordwrap(4) }}|{{ 'aaaaaaaaa-bbbbbbbbb cc'|wordwrap(6) }}"),
    ("f_wordwrap_options", "{{ 'a  b   c    d'|wordwrap(3) }}|{{ 'xx\\n\\nyy zz\\r\\nqq'|wordwrap(2, wrapstring='|') }}|{{ 'long-word-with-hyphens and more'|wordwrap(8, break_on_hyphens=false) }}|{{ 'abcdefghij klm'|wordwrap(4, break_long_words=false) }}|{{ '   '|wordwrap(2) }}|{{ 'one-two--three -- four---five a-b-c-d x--y'|wordwrap(6) }}"),
    ("err_wordwrap_list", "{{ users|wordwrap(5) }}"),
    ("sort_undefined_keys", "{{ ' x '|sort(attribute='age') }} {{ messages|sort(attribute='age')|map(attribute='role')|join(',') }}"),
    ("f_pprint", "{{ d|pprint }}"),
    ("f_pprint_wrapped", "{{ messages|pprint }}|{{ ('x ' * 60)|pprint }}|{{ [('x ' * 50), 'y']|pprint }}|{{ {'k': 'word ' * 30, 'b': [1, 2, 3]}|pprint }}"),
    ("f_pprint_nested", "{{ [[1, 2, 3] * 15, (1,)]|pprint }}|{{ ('line one\\nline two ' * 8)|pprint }}"),
    ("f_xmlattr", "<a{{ {'class': 'x y', 'id': 3, 'skip': none}|xmlattr }}>"),
    ("f_dict_global", "{{ dict(a=1, b='x') }} {{ dict({'z': 1}, y=2) }}"),
    ("f_range", "{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }} {{ range(0)|list }} {{ range(3)|length }}"),
    ("err_range_big", "{{ range(10000000)|length }}"),
    ("err_unknown_filter", "{{ 'a'|nosuchfilter }}"),
    ("err_unknown_filter_dead", "{% if false %}{{ 'a'|nosuchfilter }}{% endif %}ok"),
    ("err_unknown_test", "{{ 'a' is nosuchtest }}"),
    ("err_split_filter", "{{ 'a b'|split }}"),

    # --- tests
    ("tests_types", "{{ 1 is number }} {{ 1.0 is float }} {{ 1 is integer }} {{ true is integer }} {{ true is number }} {{ true is boolean }} {{ 1 is boolean }} {{ 'a' is string }} {{ d is mapping }} {{ 'a' is iterable }} {{ [1] is sequence }} {{ 'a' is sequence }} {{ d is sequence }} {{ 1 is iterable }} {{ none is none }} {{ users is iterable }} {{ (1,) is sequence }}"),
    ("tests_values", "{{ 3 is divisibleby 3 }} {{ 2 is even }} {{ 3 is odd }} {{ 'abc' is lower }} {{ 'A' is upper }} {{ 1 is sameas 1 }} {{ none is sameas none }} {{ 'a' is in 'abc' }} {{ 2 is gt 1 }} {{ 2 is ge 2 }} {{ 1 is lt 2 }} {{ 1 is le 0 }} {{ 1 is eq 1 }} {{ 1 is ne 2 }} {{ 1 is equalto 1 }} {{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }}"),
    ("tests_callable", "{{ raise_exception is callable }} {{ 'x'.upper is callable }} {{ 1 is callable }} {{ range is callable }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }}"),
    ("tests_not", "{{ 1 is not none }} {{ none is not none }} {{ foo is not defined }} {{ not foo is defined }} {{ 'x' is not string }}"),
    ("tests_equalto_paren", "{{ 'a' is equalto('a') }} {{ messages[0].role is equalto 'system' }} {{ 5 is divisibleby(2) }}"),
    ("tests_escaped", "{{ 'a' is escaped }} {{ 'a'|safe is escaped }}"),

    # --- methods
    ("m_str_strip", "[{{ '  a  '.strip() }}] [{{ 'xxaxx'.strip('x') }}] [{{ '  a'.lstrip() }}] [{{ 'a  '.rstrip() }}] [{{ 'xya'.lstrip('xy') }}] [{{ '\\n\\t a \\u3000'.strip() }}]"),
    ("m_str_split", "{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a-b-c'.rsplit('-', 1) }} {{ 'a b'.split(none, 0) }} {{ ''.split() }} {{ ''.split(',') }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'x</think>y'.split('</think>')[-1] }}"),
    ("m_str_affix", "{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abc'.startswith('b', 1) }} {{ 'abc'.endswith('') }}"),
    ("m_str_case", "{{ 'abc'.upper() }} {{ 'ABC'.lower() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'aBc'.swapcase() }} {{ 'ß'.upper() }} {{ 'İ'.lower()|length }}"),
    ("m_str_find", "{{ 'abc'.find('c') }} {{ 'abc'.find('z') }} {{ 'abca'.rfind('a') }} {{ 'abc'.index('b') }} {{ 'abab'.count('ab') }} {{ 'abc'.replace('b', 'x') }} {{ 'aaa'.replace('a', 'b', 1) }}"),
    ("m_str_is", "{{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ 'a1'.isalnum() }} {{ ' '.isspace() }} {{ 'ab'.islower() }} {{ 'AB'.isupper() }} {{ ''.isdigit() }} {{ 'Ab Cd'.istitle() }}"),
    ("m_str_join_format", "{{ ', '.join(['a', 'b']) }} {{ '-'.join('abc') }} {{ '{} x {}'.format(1, 'a') }} {{ '{0}{0}'.format('z') }} {{ '{a}!'.format(a=2) }}"),
    ("m_str_pad", "[{{ 'ab'.center(6, '*') }}] [{{ 'ab'.ljust(4) }}] [{{ 'ab'.rjust(4, '0') }}] [{{ '7'.zfill(3) }}] [{{ 'a\\tb'.expandtabs(4) }}]"),
    ("m_str_partition", "{{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }} {{ 'abc'.removeprefix('a') }} {{ 'abc'.removesuffix('c') }}"),
    ("m_str_unicode", "{{ '  Hello World  '.split(None, 1) }} {{ '  Hello World  '.rsplit(None, 1) }} {{ 'ΣΑΣ ΟΔΟΣ'.title() }} {{ 'ΣΑΣ ΟΔΟΣ'.swapcase() }} {{ 'ΣΑΣ ΟΔΟΣ'.casefold() }} {{ 'ßtraße ǅ ﬁne'.casefold() }} {{ 'ßtraße ﬁne'.upper() }} {{ 'İ'.lower() }}"),
    ("f_title_unicode_space", "{{ '\\u3000 wide \\u00a0nbsp\\x1c'|title }}|{{ 'a\\r\\nb\\rc\\x0bd\\x0ce\\u2028f'|title }}|{{ '١٢٣'|int }}|{{ '١٢.٥'|float }}"),
    ("f_number_formats", "{{ '%d|%5.1f|%-6s|%+.2e|%#x|%#o|%c' % (1e22, 2.25, 'ab', 12345.678, 255, 8, true) }} {{ '{:08.3f}|{:,}|{:^9}|{:=+8}|{:.1%}|{:#b}'.format(-3.14159, 1234567, 'mid', true, 0.256, 5) }}"),
    ("f_round_signs", "{{ -0.0|round(0, 'ceil') }} {{ -0.4|round(0, 'ceil') }} {{ 0.5|round }} {{ 1.5|round }} {{ -1e-300|round(2) }} {{ 1234|round(-2) }} {{ 1250|round(-2) }} {{ 1350|round(-2) }}"),
    ("err_pow_overflow", "{{ 1e300 ** 2 }}"),
    ("strftime_glibc", "{{ strftime_now('%5d|%_H|%-d|%^a|%Q') }}"),
    ("m_list", "{{ [1, 2, 3].index(2) }} {{ [1, 1, 2].count(1) }} {{ users.index(users[1]) }}"),
    ("m_dict", "{{ d.keys()|list }} {{ d.values()|list|length }} {{ d.get('a')[0] }} {{ d.items()|list|length }} {{ d.copy() }}"),
    ("err_list_append", "{% set l = [1] %}{{ l.append(2) }}{{ l }}"),
    ("err_dict_update", "{% set x = d.update({'q': 1}) %}{{ d }}"),
    ("err_str_no_method", "{{ 'a'.nosuch() }}"),

    # --- globals and errors
    ("raise", "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok"),
    ("raise_in_macro", "{% macro m() %}{{ raise_exception('from macro: ' ~ n) }}{% endmacro %}{{ m() }}"),
    ("strftime", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %a %B %b %j %p %I %y %m %e %%') }}"),
    ("err_syntax_if", "{% if %}x{% endif %}"),
    ("err_syntax_unclosed", "{% for x in y %}x"),
    ("err_syntax_endfor", "x{% endfor %}"),
    ("err_syntax_expr", "{{ 1 + }}"),
    ("err_syntax_unclosed_var", "{{ 1 "),
    ("err_syntax_unclosed_comment", "{# x "),
    ("err_syntax_unknown_tag", "{% frobnicate %}"),
    ("err_syntax_paren", "{{ (1 }}"),
    ("err_type_add", "{{ 'a' + 1 }}"),
    ("err_zero_div", "{{ 1 / 0 }}"),
    ("err_zero_mod", "{{ 1 % 0 }}"),
    ("err_not_callable", "{{ 'a'() }}"),
    ("err_compare_types", "{{ 'a' < 1 }}"),
    ("err_ns_assign_plain", "{% set x = 1 %}{% set x.y = 2 %}"),
    ("err_unpack", "{% for a, b in [1, 2] %}{% endfor %}"),
    ("err_iterate_int", "{% for x in 3 %}{% endfor %}"),
    ("err_iterate_none", "{% for x in nothing %}{% endfor %}"),
    ("err_int_index_str", "{{ 'abc'['x'] }}|ok"),
    ("err_break_outside", "{% break %}"),
    ("err_private_attr", "{{ d.__class__ }}|{{ ''.__class__ }}|ok"),

    # --- behaviours found by comparing random templates with jinja2
    ("gen_truthy", "{% if messages|selectattr('role', 'equalto', 'nobody') %}always{% endif %}|{{ [1, 2]|map('string')|join }}"),
    ("err_gen_length", "{{ messages|selectattr('role', 'equalto', 'user')|length }}"),
    ("gen_single_use", "{% set g = [1, 2]|map('string') %}{% for x in g %}{{ x }}{% endfor %}|{% for x in g %}{{ x }}{% endfor %}"),
    ("gen_falsy_input", "{{ nothing|map('upper')|list }} {{ 0|select|list }} {{ ''|selectattr('x')|list }}"),
    ("err_gen_lazy", "{% set g = 3|select %}ok{{ g|list }}"),
    ("gen_lazy_unused", "{% set g = 3|select %}ok"),
    ("err_gen_tojson", "{{ [1]|map('string')|tojson }}"),
    ("dict_views", "{{ d.keys() }} {{ d.values()|list|length }} {{ users[0].items() }} {{ 'a' in d.keys() }}"),
    ("range_repr", "{{ range(3) }} {{ range(1, 7, 2) }} {{ range(3)|list }} {{ range(5)[1] }} {{ 2 in range(3) }}"),
    ("err_range_tojson", "{{ range(3)|tojson }}"),
    ("percent_list", "{{ 'abc' % [] }} {{ 'abc' % [1] }} {{ 'abc' % {} }} {{ '%s' % [1] }}"),
    ("err_percent_extra", "{{ 'abc' % 5 }}"),
    ("err_slice_dict", "{{ d[1:] }}"),
    ("err_slice_none", "{{ nothing[::-1] }}"),
    ("err_indent_list", "{{ d.a|indent(2) }}"),
    ("truncate_list", "{{ [1, 2]|truncate(8) }}"),
    ("err_truncate_int", "{{ 5|truncate(8) }}"),
    ("filter_test_hashable", "{{ namespace(a=1) is filter }} {{ 'upper' is filter }} {{ range is test }}"),
    ("err_filter_test_unhashable", "{{ [1] is filter }}"),
    ("repr_objects", "{{ joiner() }}|{{ 'x'.upper }}|{{ [1]|reverse }}"),
    ("wordcount_generator", "{{ [1]|map('string')|wordcount }}"),
    ("int_overflow_string", "{{ 'inf'|int }} {{ 'nan'|int(7) }}"),
    ("markup_ops", "{{ '<b>%s</b>'|safe % '<i>' }}|{{ ('<b>'|safe + '<i>')|length }}|{{ '<b>'|safe ~ '<i>' }}|{{ ('<b>'|safe).replace('b', '<') }}|{{ ('a<b'|safe).split('<') }}"),
    ("reverse_views_last", "{{ users[0].values()|reverse|list }} {{ d.items()|reverse|first }}"),
    ("err_last_generator", "{{ [1, 2]|map('string')|last }}"),
    ("percent_undefined", "{{ 'a' % nope }}|{{ '%s!' % nope }}"),
    ("markup_iteration", "{{ ('<b>'|safe)|list }} {{ ('ab'|safe)[0] is escaped }} {{ ('ab'|safe)|first is escaped }}"),
    ("err_loop_target", "{% for loop in [1] %}{% endfor %}"),
    ("err_macro_caller_unused", "{% macro m() %}x{% endmacro %}{% call m() %}y{% endcall %}"),

    # --- chat-template style
    ("chat_llama3", "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"),
    ("chat_tools_json", "{%- for m in messages %}{%- if m.tool_calls is defined %}{%- for tc in m.tool_calls %}{{ tc.function.name }}({{ tc.function.arguments|tojson }}){{ tc.function.arguments|tojson(indent=4) }}{%- endfor %}{%- endif %}{%- endfor %}"),
    ("chat_content_parts", "{%- for m in parts %}{%- if m.content is string %}{{ m.content }}{%- else %}{%- for p in m.content %}{%- if p.type == 'text' %}{{ p.text }}{%- elif p.type == 'image' %}<img>{%- endif %}{%- endfor %}{%- endif %}|{%- endfor %}",
     {"parts": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "what?"}]}, {"role": "assistant", "content": "a cat"}]}),
    ("chat_mistral_alternation", "{%- set ns = namespace(index=0) %}{%- for message in messages[1:] %}{%- if not (message.role == 'tool' or message.tool_calls is defined) %}{%- if (message['role'] == 'user') != (ns.index % 2 == 0) %}{{- raise_exception('roles must alternate') }}{%- endif %}{%- set ns.index = ns.index + 1 %}{%- endif %}{%- endfor %}ok"),
    ("chat_mixed_whitespace", "{% for message in messages %}\n  {% if message.role == 'user' %}\n    U: {{ message.content }}\n  {% else %}\n    {{ message.role|upper }}: {{ message.content }}\n  {% endif %}\n{% endfor %}\n{% if add_generation_prompt %}\n  A:\n{% endif %}\n"),
]


def main():
    env = environment()
    out = []
    for case in CASES:
        name, src = case[0], case[1]
        ctx = copy.deepcopy(BASE)  # some filters change lists in place (indent's +=)
        if len(case) > 2:
            ctx.update(case[2])
        entry = {"name": name, "template": src}
        if len(case) > 2:
            entry["context"] = case[2]
        try:
            # Memory addresses in object reprs become the fixed one the Go
            # interpreter prints.
            entry["output"] = re.sub(r"0x[0-9a-f]{6,}", "0x7f0000000000", env.from_string(src).render(**ctx))
        except Exception as e:  # noqa: BLE001 - any failure is the expected result
            entry["error"] = f"{type(e).__name__}: {e}"
        out.append(entry)
    json.dump({"jinja2": jinja2.__version__, "now": NOW.isoformat(), "base": BASE, "cases": out},
              sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
