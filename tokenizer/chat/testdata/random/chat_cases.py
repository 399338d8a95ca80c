#!/usr/bin/env python3
"""Random chat-template-like templates rendered by Python's jinja2 as HF configures it (see
../jinja2_cases.py), for differential testing of the Go interpreter:

  python3 chat_cases.py SEED COUNT > /tmp/cases.json
  NARA_JINJA2_CASES=/tmp/cases.json go test -run TestJinja2Cases ./tokenizer/chat

Memory addresses in Python object reprs are replaced by the fixed one the Go
side prints. Output is not kept in the repository.
"""
import json, random, sys, copy, re
sys.path.insert(0, __import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)), '..'))
import jinja2_cases as jc
import hf_tool_cases as hc

rnd = random.Random(int(sys.argv[1]))
N = int(sys.argv[2])

def ws():
    return rnd.choice(['', '', ' ', '\n', '\n    ', '  \n', '\n\n', '\t'])
def o():
    return rnd.choice(['{%', '{%-', '{%', '{%+'])
def c():
    return rnd.choice(['%}', '-%}', '%}', '+%}'])
def vo():
    return rnd.choice(['{{', '{{-'])
def vc():
    return rnd.choice(['}}', '-}}'])
def tag(b): return o() + ' ' + b + ' ' + c()
def out(e): return vo() + ' ' + e + ' ' + vc()

MSG_EXPRS = ["message['role']", "message.role", "message['content']", "message.content", "message.content|trim", "message['content']|tojson",
    "message.tool_calls|length if message.tool_calls else 0", "(message.content or '')|length", "message.role|upper", "message.get('name', 'anon')",
    "message.content.split('</think>')[-1].lstrip('\\n') if message.content is string else ''", "message|tojson", "message.keys()|list",
    "message.tool_call_id is defined", "loop.index0", "loop.first", "loop.last", "loop.length", "loop.previtem.role if loop.previtem else 'none'",
    "message.content is none", "'<|im_start|>' + message.role + '\\n' + (message.content or '') + '<|im_end|>'", "message.role ~ ': ' ~ message.content",
    "(message.content if message.content is string else message.content|tojson)", "ns.count", "ns.text|length"]
TOOL_EXPRS = ["tool|tojson", "tool.function.name", "tool.function|tojson(indent=2)", "tool.function.parameters.properties|dictsort|map(attribute=0)|join(',')",
    "tool['function']['description']|trim", "tool.function.parameters.required|join(', ')", "(tool.function.parameters.properties|items|list)[0][0]",
    "tool.function.parameters|tojson(sort_keys=true)", "tool|tojson(separators=(',', ':'))"]
CALL_EXPRS = ["tc.function.name", "tc.function.arguments|tojson", "tc.function.arguments if tc.function.arguments is string else tc.function.arguments|tojson",
    "tc.id", "tc['function']['arguments'].city if tc.function.arguments is mapping else '-'", "tc.function.arguments|string"]

def block(depth, ctxv):
    parts = []
    for _ in range(rnd.randint(1, 4)):
        parts.append(ws())
        r = rnd.random()
        if ctxv == 'message' and r < 0.35:
            parts.append(out(rnd.choice(MSG_EXPRS)))
        elif ctxv == 'tool' and r < 0.35:
            parts.append(out(rnd.choice(TOOL_EXPRS)))
        elif ctxv == 'tc' and r < 0.35:
            parts.append(out(rnd.choice(CALL_EXPRS)))
        elif r < 0.45 and depth < 3:
            cond = rnd.choice(["message.role == 'user'", "message['role'] == 'assistant'", "message.tool_calls is defined", "loop.first", "not loop.last",
                               "message.content", "tools", "tools is not none", "add_generation_prompt", "ns.count > 1", "system_message is defined",
                               "messages[0].role == 'system'", "message.role in ['tool', 'ipython']", "'tool_calls' in message"]) if ctxv == 'message' else rnd.choice(["tools", "add_generation_prompt", "messages|length > 2", "bos_token", "tools is defined", "system_message is defined", "messages[0]['role'] == 'system'"])
            parts.append(tag('if ' + cond) + block(depth + 1, ctxv) + (tag('elif ' + rnd.choice(['true', 'false', 'ns.count'])) + block(depth + 1, ctxv) if rnd.random() < 0.3 else '') + (tag('else') + block(depth + 1, ctxv) if rnd.random() < 0.5 else '') + tag('endif'))
        elif r < 0.6 and depth < 3 and ctxv != 'message':
            it = rnd.choice(['messages', 'loop_messages', 'messages[1:]', "messages|selectattr('role', 'equalto', 'user')|list", 'messages|reverse|list'])
            parts.append(tag('for message in ' + it) + block(depth + 1, 'message') + tag('endfor'))
        elif r < 0.68 and depth < 3:
            parts.append(tag('for tool in tools') + block(depth + 1, 'tool') + tag('endfor') if rnd.random() < 0.5 else tag("for tool in tools or []") + block(depth + 1, 'tool') + tag('endfor'))
        elif r < 0.74 and ctxv == 'message' and depth < 3:
            parts.append(tag('for tc in message.tool_calls or []') + block(depth + 1, 'tc') + tag('endfor'))
        elif r < 0.8:
            parts.append(tag(rnd.choice(["set ns.count = ns.count + 1", "set ns.text = ns.text ~ 'x'", "set system_message = messages[0].content|trim",
                                         "set loop_messages = messages[1:]", "set content = 'c' + ('!' if add_generation_prompt else '')", "set tools = none",
                                         "set ns.last = message.role if message is defined else 'n/a'"])))
        elif r < 0.84:
            parts.append(out("fmt(" + rnd.choice(["'a'", "messages|length", "ns.count", "tools|length if tools else 0"]) + ")"))
        elif r < 0.88:
            parts.append(out(rnd.choice(["bos_token", "eos_token", "system_message|default('none')", "loop_messages|length", "content is defined", "ns.count", "ns.text", "ns.last|default('?')", "strftime_now('%d %B %Y')", "raise_exception('bad') if ns.count > 5 else ''"])))
        else:
            parts.append(rnd.choice(['<|im_start|>', 'text', ' [INST] ', '\\n', '###']))
    parts.append(ws())
    return ''.join(parts)

def template():
    head = tag("set ns = namespace(count=0, text='', last=none)") + ws()
    if rnd.random() < 0.5:
        head += tag('macro fmt(x, suffix="!")') + ws() + out('x ~ suffix') + ws() + tag('endmacro') + ws()
    else:
        head += tag('macro fmt(x)') + out('x|string|upper') + tag('endmacro')
    if rnd.random() < 0.5:
        head += tag("if messages[0]['role'] == 'system'") + ws() + tag("set system_message = messages[0]['content']") + ws() + tag("set loop_messages = messages[1:]") + tag('else') + tag("set loop_messages = messages") + tag('endif')
    return head + block(0, None)

env = jc.environment()
convs = list(hc.CONVERSATIONS.values())
cases = []
for i in range(N):
    src = template()
    conv = rnd.choice(convs)
    ctx = copy.deepcopy(jc.BASE)
    ctx['messages'] = copy.deepcopy(conv['messages'])
    ctx['add_generation_prompt'] = conv['add_generation_prompt']
    extra = {}
    if 'tools' in conv:
        extra['tools'] = copy.deepcopy(conv['tools'])
    entry = {'name': f'chat{i}', 'template': src, 'context': {'messages': ctx['messages'], 'add_generation_prompt': ctx['add_generation_prompt'], **extra}}
    try:
        entry['output'] = env.from_string(src).render(**{**ctx, **extra})
        entry['output'] = re.sub(r'0([xX])[0-9a-fA-F]{6,}', lambda m: '0x7f0000000000' if m.group(1) == 'x' else '0X7F0000000000', entry['output'])
    except RecursionError:
        continue
    except Exception as e:
        entry['error'] = f'{type(e).__name__}: {e}'
    cases.append(entry)
json.dump({'jinja2': '', 'now': jc.NOW.isoformat(), 'base': jc.BASE, 'cases': cases}, sys.stdout, ensure_ascii=False)
