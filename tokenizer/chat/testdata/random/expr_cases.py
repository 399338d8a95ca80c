#!/usr/bin/env python3
"""Random expression-heavy templates rendered by Python's jinja2 as HF configures it (see
../jinja2_cases.py), for differential testing of the Go interpreter:

  python3 expr_cases.py SEED COUNT > /tmp/cases.json
  NARA_JINJA2_CASES=/tmp/cases.json go test -run TestJinja2Cases ./tokenizer/chat

Memory addresses in Python object reprs are replaced by the fixed one the Go
side prints. Output is not kept in the repository.
"""
import json, random, sys
sys.path.insert(0, __import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)), '..'))
import jinja2_cases as jc

rnd = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 3000

VARS = ['messages', 'd', 'users', 's', 'n', 'f', 'empty', 'nothing', 'items_dict', 'bos_token', 'add_generation_prompt', 'messages[0]', 'messages[2].tool_calls', 'd.a', 'd.c', 'users[0]', 'messages[-1].content', 'users', 's', 'n', 'd.a', 'users[1]']
if len(sys.argv) > 3: VARS += ['foo', 'x', 'ns.v']
STRS = ["'a'", '"b c"', "' x '", "'Ünï'", "'<&>'", "'it\\'s'", "'\\n'", "''", "'a,b,,c'", "'Hello World'", "'  pad  '", "'12'", "'%s-%d'", "'{} {}'", "'</think>x'"]
NUMS = ['0', '1', '2', '-3', '7', '2.5', '0.1', '1e3', '-0.0', '3.0', '10']
FILTERS = [('trim', []), ('upper', []), ('lower', []), ('length', []), ('list', []), ('first', []), ('last', []), ('string', []),
  ('tojson', []), ('tojson', ['indent=2']), ('tojson', ['sort_keys=true']), ('join', ["', '"]), ('join', []), ('default', ["'dflt'"]),
  ('default', ["'z'", 'true']), ('items', []), ('int', []), ('float', []), ('abs', []), ('round', []), ('round', ['1']), ('capitalize', []), ('title', []),
  ('replace', ["'a'", "'b'"]), ('indent', ['2']), ('indent', ['2', 'true']), ('safe', []), ('escape', []), ('unique', []), ('sort', []), ('reverse', []),
  ('sum', []), ('min', []), ('max', []), ('count', []), ('wordcount', []), ('center', ['9']), ('truncate', ['8']), ('batch', ['2']), ('slice', ['2']),
  ('map', ["'string'"]), ('map', ["attribute='role'"]), ('map', ["attribute='name'", "default='?'"]), ('select', []), ('reject', []), ('select', ["'odd'"]),
  ('selectattr', ["'role'", "'equalto'", "'user'"]), ('rejectattr', ["'content'"]), ('selectattr', ["'tool_calls'", "'defined'"]), ('dictsort', []),
  ('format', ['1', "'x'"]), ('striptags', []), ('urlencode', []), ('list', []), ('pprint', []), ('attr', ["'name'"]), ('xmlattr', []), ('groupby', ["'role'"]),
  ('d', []), ('forceescape', []), ('e', []), ('float', ['1.5']), ('int', ['7']), ('string', []), ('trim', ["'x'"]),
  ('indent', ['width=3', 'first=true']), ('join', ["attribute='name'"]), ('map', ["'default'", "'z'"]), ('selectattr', ["'age'", "'gt'", '26']),
  ('sort', ["attribute='age'"]), ('sort', ['reverse=true']), ('unique', ["attribute='name'"]), ('dictsort', ["by='value'"]), ('round', ['2', "'floor'"]),
  ('tojson', ['indent=1', 'sort_keys=true']), ('truncate', ['5', 'true']), ('wordwrap', ['5']), ('batch', ['2', "'x'"]), ('slice', ['3', '0']),
  ('map', ["'int'"]), ('map', ["'trim'"]), ('select', ["'string'"]), ('reject', ["'none'"]), ('sum', ["attribute='age'"]), ('max', ["attribute='age'"]),
  ('min', ["attribute='name'"]), ('first', []), ('length', []), ('items', []), ('list', []), ('join', ["'-'"]), ('capitalize', []), ('center', ['12'])]
TESTS = ['defined', 'undefined', 'none', 'string', 'number', 'integer', 'float', 'mapping', 'iterable', 'sequence', 'odd', 'even', 'boolean', 'true', 'false',
  'lower', 'upper', 'callable', 'escaped', 'divisibleby 3', 'equalto 1', 'eq "a"', 'in [1, 2]', 'sameas none', 'gt 1', 'le 2', 'ne 0', 'filter', 'test']
METHODS = ['strip()', "strip('x ')", 'upper()', 'lower()', "split(',')", 'split()', "split(' ', 1)", "startswith('a')", "endswith('c')", 'title()',
  "replace('a', 'b')", "find('b')", "count('a')", 'items()', 'keys()', 'values()', "get('a')", "get('zz', 5)", 'isdigit()', 'capitalize()', 'splitlines()',
  "lstrip()", "rstrip()", "join(['a', 'b'])", "format(1, 2)", "index(1)", "rsplit(',', 1)", "partition(',')", "center(7, '*')", "zfill(5)", 'copy()', "append(1)"]

def lit(depth):
    c = rnd.random()
    if c < 0.3: return rnd.choice(STRS)
    if c < 0.55: return rnd.choice(NUMS)
    if c < 0.65: return rnd.choice(['true', 'false', 'none', 'True', 'None'])
    if c < 0.8: return '[' + ', '.join(expr(depth + 1) for _ in range(rnd.randint(0, 3))) + ']'
    if c < 0.9: return '{' + ', '.join(rnd.choice(STRS) + ': ' + expr(depth + 1) for _ in range(rnd.randint(0, 2))) + '}'
    return '(' + ', '.join(expr(depth + 1) for _ in range(rnd.randint(0, 3))) + (',)' if rnd.random() < 0.3 else ')')

def primary(depth):
    c = rnd.random()
    if c < 0.45 or depth > 3: return rnd.choice(VARS) if rnd.random() < 0.6 else lit(depth)
    if c < 0.55: return '(' + expr(depth + 1) + ')'
    if c < 0.65: return rnd.choice(VARS) + rnd.choice(['.role', '.content', "['a']", '[0]', '[-1]', '[1:]', '[::-1]', '[:2]', '.name', '.b', '.items', '.type'])
    if c < 0.75: return rnd.choice(STRS + VARS) + '.' + rnd.choice(METHODS)
    if c < 0.85: return rnd.choice(['range(3)', 'range(1, 5, 2)', "namespace(a=1)", "dict(a=1)", "raise_exception('boom')" if rnd.random() < 0.2 else 'range(0)', "strftime_now('%d %b %Y')", 'joiner()'])
    return lit(depth)

def postfix(e, depth):
    c = rnd.random()
    if c < 0.35:
        f, args = rnd.choice(FILTERS)
        return e + '|' + f + ('(' + ', '.join(args) + ')' if args else '')
    if c < 0.5:
        return e + ' is ' + rnd.choice(['not ', '']) + rnd.choice(TESTS)
    return e

def expr(depth=0):
    if depth > 4: return primary(depth)
    e = postfix(primary(depth), depth)
    if rnd.random() < 0.3: e = postfix(e, depth)
    c = rnd.random()
    if c < 0.45: return e
    op = rnd.choice(['+', '-', '*', '/', '//', '%', '**', '~', '~', '~', '==', '!=', '<', '>=', 'and', 'or', 'and', 'or', 'in', 'not in', ' if ', ' if-else ', ' if-else '])
    r = expr(depth + 1)
    if op == ' if ': return e + ' if ' + r
    if op == ' if-else ': return e + ' if ' + r + ' else ' + expr(depth + 1)
    if rnd.random() < 0.1: return 'not ' + e + ' ' + op + ' ' + r
    return e + ' ' + op + ' ' + r

WS = ['', ' ', '\n', '  \n', '\n  ', '\t', '\n\n']
def tag(body):
    l = rnd.choice(['{%', '{%', '{%-', '{%+'])
    r = rnd.choice(['%}', '%}', '-%}', '+%}'])
    return l + ' ' + body + ' ' + r

def var(e):
    return rnd.choice(['{{', '{{', '{{-']) + ' ' + e + ' ' + rnd.choice(['}}', '}}', '-}}'])

def block(depth=0):
    parts = []
    for _ in range(rnd.randint(1, 4)):
        parts.append(rnd.choice(WS) + rnd.choice(['', 'txt', 'A ', ' b']))
        c = rnd.random()
        if c < 0.35 or depth > 2:
            parts.append(var(expr()))
        elif c < 0.5:
            parts.append(tag('if ' + expr()) + block(depth + 1) + (tag('elif ' + expr()) + block(depth + 1) if rnd.random() < 0.3 else '') + (tag('else') + block(depth + 1) if rnd.random() < 0.4 else '') + tag('endif'))
        elif c < 0.65:
            tgt = rnd.choice(['x', 'k, v', 'm', 'c'])
            it = rnd.choice(['messages', 'users', 'd', 'd|items', 'range(3)', "'ab'", 'd.a', '[[1, 2], [3, 4]]', 'messages|selectattr("role")', expr()])
            cond = (' if ' + expr()) if rnd.random() < 0.2 else ''
            body = block(depth + 1)
            if rnd.random() < 0.3:
                body += tag('if loop.index > 1') + tag(rnd.choice(['break', 'continue'])) + tag('endif')
            extra = var(rnd.choice(['loop.index', 'loop.first', 'loop.last', 'loop.length', 'loop.previtem', 'loop.revindex', 'loop.cycle(1, 2)'])) if rnd.random() < 0.5 else ''
            parts.append(tag('for ' + tgt + ' in ' + it + cond) + extra + body + (tag('else') + block(depth + 1) if rnd.random() < 0.2 else '') + tag('endfor'))
        elif c < 0.75:
            parts.append(tag('set ' + rnd.choice(['x', 'y', 'n', 'messages', 'ns.v']) + ' = ' + expr()))
        elif c < 0.8:
            parts.append(tag('set ns = namespace(v=0)'))
        elif c < 0.87:
            parts.append(tag('macro mac(a, b=2)') + block(depth + 1) + var('a ~ b') + tag('endmacro') + var('mac(' + expr() + ')'))
        elif c < 0.92:
            parts.append('{#' + rnd.choice(['-', '', '+']) + ' c ' + rnd.choice(['-', '', '+']) + '#}')
        elif c < 0.96:
            parts.append(tag('filter ' + rnd.choice(['upper', 'trim', 'replace("a", "-")', 'indent(2)'])) + block(depth + 1) + tag('endfilter'))
        else:
            parts.append(tag('set x') + block(depth + 1) + tag('endset') + var('x'))
    parts.append(rnd.choice(WS))
    return ''.join(parts)

env = jc.environment()
cases = []
for i in range(N):
    src = block()
    ctx = __import__("copy").deepcopy(jc.BASE)
    entry = {'name': f'rand{i}', 'template': src}
    try:
        entry['output'] = env.from_string(src).render(**ctx)
        # memory addresses in object reprs are replaced by the fixed one the Go side prints
        entry['output'] = __import__('re').sub(r'0([xX])[0-9a-fA-F]{6,}', lambda m: '0x7f0000000000' if m.group(1) == 'x' else '0X7F0000000000', entry['output'])
    except RecursionError as e:
        continue
    except Exception as e:
        entry['error'] = f'{type(e).__name__}: {e}'
    cases.append(entry)
json.dump({'jinja2': '', 'now': jc.NOW.isoformat(), 'base': jc.BASE, 'cases': cases}, sys.stdout, ensure_ascii=False)
