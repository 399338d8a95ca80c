#!/usr/bin/env python3
"""Random statement and scoping templates rendered by Python's jinja2 as HF configures it (see
../jinja2_cases.py), for differential testing of the Go interpreter:

  python3 stmt_cases.py SEED COUNT > /tmp/cases.json
  NARA_JINJA2_CASES=/tmp/cases.json go test -run TestJinja2Cases ./tokenizer/chat

Memory addresses in Python object reprs are replaced by the fixed one the Go
side prints. Output is not kept in the repository.
"""
import json, random, sys, copy, re
sys.path.insert(0, __import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)), '..'))
import jinja2_cases as jc
rnd = random.Random(int(sys.argv[1])); N = int(sys.argv[2])
V = ['a', 'b', 'n', 'x', 'ns.v']
def name(): return rnd.choice(['a', 'b', 'n', 'x'])
def val(): return rnd.choice(["1", "'s'", "a", "b ~ 'x'", "n", "[a, b]", "x|default('d')", "loop.index if loop is defined else 0", "caller() if caller is defined else 'nc'", "ns.v", "varargs|length if varargs is defined else -1", "kwargs|tojson if kwargs is defined else '{}'"])
def ws(): return rnd.choice(['', '', ' ', '\n', '\n  '])
def t(b): return rnd.choice(['{%', '{%-']) + ' ' + b + ' ' + rnd.choice(['%}', '-%}'])
def out(e): return '{{ ' + e + ' }}'
def block(d):
    parts = []
    for _ in range(rnd.randint(1, 4)):
        parts.append(ws())
        r = rnd.random()
        if r < 0.25 or d > 3:
            parts.append(out(rnd.choice(['a', 'b', 'n', 'x', 'ns.v', "loop.index if loop is defined else 'L'", "loop.depth if loop is defined else 'D'", 'm1(1)', 'm2(1, 2, 3, k=4)', "a is defined", "x is defined"])))
        elif r < 0.4:
            tgt = rnd.choice(['ns.v', name()])
            parts.append(t('set ' + tgt + ' = ' + val()))
        elif r < 0.5:
            parts.append(t('if ' + rnd.choice(['a', 'b', 'x', 'n', 'true', 'false', 'loop is defined']) ) + block(d + 1) + (t('else') + block(d + 1) if rnd.random() < 0.5 else '') + t('endif'))
        elif r < 0.62:
            parts.append(t('for ' + rnd.choice(['x in [1, 2]', 'a in range(2)', 'i in "ab"', 'k, v in [[1, 2], [3, 4]]', 'x in []', 'k, v in {"p": 1}|items']) + rnd.choice(['', '', ' if true', ' recursive']) ) + block(d + 1) + rnd.choice(['', t('if loop.first') + t('continue') + t('endif'), t('if loop.last') + t('break') + t('endif')]) + (t('else') + block(d + 1) if rnd.random() < 0.2 else '') + t('endfor'))
        elif r < 0.7:
            parts.append(t('with ' + rnd.choice(['', 'a = 5', 'x = a, y = 2'])) + block(d + 1) + t('endwith'))
        elif r < 0.78:
            parts.append(t('macro m' + str(rnd.randint(3, 4)) + '(' + rnd.choice(['', 'a', 'a, b=b', 'x=n']) + ')') + block(d + 1) + t('endmacro') + out('m' + str(rnd.randint(3, 4)) + '(' + rnd.choice(['', '7', "'p', 'q'", 'x=9']) + ')'))
        elif r < 0.85:
            parts.append(t('call' + rnd.choice(['', '(y)']) + ' ' + rnd.choice(['m1(0)', 'm2()', 'm1(a)'])) + block(d + 1) + t('endcall'))
        elif r < 0.9:
            parts.append(t('filter ' + rnd.choice(['upper', 'trim', 'replace("1", "one")'])) + block(d + 1) + t('endfilter'))
        elif r < 0.95:
            parts.append(t('set ' + name()) + block(d + 1) + t('endset'))
        else:
            parts.append(t('set ns = namespace(v=' + val() + ')'))
    return ''.join(parts)
def template():
    pre = t('set ns = namespace(v=0)') + t('macro m1(a)') + out("a ~ '|' ~ (caller(a) if caller is defined else '-')") + t('endmacro') + t('macro m2()') + out("varargs|length ~ kwargs|length ~ (caller() if caller is defined else '')") + t('endmacro')
    return pre + block(0)
env = jc.environment()
cases = []
for i in range(N):
    src = template()
    entry = {'name': f'st{i}', 'template': src, 'context': {'a': 'A', 'n': 3}}
    ctx = copy.deepcopy(jc.BASE); ctx.update({'a': 'A', 'n': 3})
    try:
        entry['output'] = re.sub(r'0([xX])[0-9a-fA-F]{6,}', '0x7f0000000000', env.from_string(src).render(**ctx))
    except RecursionError:
        continue
    except Exception as e:
        entry['error'] = f'{type(e).__name__}: {e}'
    cases.append(entry)
json.dump({'jinja2': '', 'now': jc.NOW.isoformat(), 'base': jc.BASE, 'cases': cases}, sys.stdout, ensure_ascii=False)
