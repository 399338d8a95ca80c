#!/usr/bin/env python3
"""Writes hf_tool_cases.json: the fixture templates (templates/*.jinja under
the fixture root) rendered by Python's jinja2, set up as HF sets it up (see
jinja2_cases.py), with conversations that use tools, tool calls, tool
results and awkward text. The fixtures' own index.json only has plain chats.

Outputs are recorded as SHA-256 and length to keep the file small; rerun the
script and diff against the Go output when a case fails.

Run: python3 hf_tool_cases.py FIXTURE_ROOT > hf_tool_cases.json
"""

import glob
import hashlib
import json
import os
import sys

from jinja2_cases import environment

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
                "days": {"type": "integer", "description": "Forecast days", "default": 1},
            },
            "required": ["city"],
        },
    },
}

SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web for pages",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to look for"},
                "sites": {"type": "array", "items": {"type": "string"}, "description": "Sites to search"},
                "limit": {"type": ["integer", "null"], "description": "Most results"},
            },
            "required": ["query", "sites"],
        },
    },
}


def tool_call(args, call_id="call12345"):
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": args}}


CONVERSATIONS = {
    "tools": {
        "tools": [WEATHER, SEARCH],
        "messages": [
            {"role": "system", "content": "You can use tools."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "", "tool_calls": [tool_call({"city": "Paris", "unit": "celsius"})]},
            {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "{\"temp\": 21.5}"},
            {"role": "assistant", "content": "It is 21.5 °C in Paris."},
            {"role": "user", "content": "Thanks!"},
        ],
        "add_generation_prompt": True,
    },
    "tools_string_args": {
        "tools": [WEATHER],
        "messages": [
            {"role": "user", "content": "Weather in Oslo, in fahrenheit?"},
            {"role": "assistant", "content": None, "tool_calls": [tool_call("{\"city\": \"Oslo\", \"unit\": \"fahrenheit\"}")]},
            {"role": "tool", "tool_call_id": "call12345", "content": "40"},
        ],
        "add_generation_prompt": True,
    },
    "tools_no_system": {
        "tools": [SEARCH],
        "messages": [{"role": "user", "content": "Find Go Jinja engines."}],
        "add_generation_prompt": True,
    },
    "awkward_text": {
        "messages": [
            {"role": "user", "content": "  Ünïcødé 日本語 🙂 <b>&amp;</b> \"quotes\" 'apostrophes'\n\tnew line  "},
            {"role": "assistant", "content": "<think>hidden</think>\n\nVisible answer."},
            {"role": "user", "content": "{{ not a template }} {% neither %}"},
        ],
        "add_generation_prompt": False,
    },
    "extra_variables": {
        "messages": [
            {"role": "system", "content": "Sys."},
            {"role": "user", "content": "Hi"},
        ],
        "add_generation_prompt": True,
        "extra": {"date_string": "01 Jan 2030", "tools_in_user_message": False, "enable_thinking": False,
                  "functions": "[]", "datetime": "2030-01-01"},
    },
}

BOS, EOS = "<BOS>", "<EOS>"


def main():
    root = sys.argv[1]
    env = environment()
    out = {"bos_token": BOS, "eos_token": EOS, "conversations": CONVERSATIONS, "results": {}}
    for path in sorted(glob.glob(os.path.join(root, "templates", "*.jinja"))):
        name = os.path.basename(path)[: -len(".jinja")]
        with open(path, encoding="utf-8") as f:
            template = env.from_string(f.read())
        results = {}
        for cname, conv in CONVERSATIONS.items():
            kwargs = dict(conv.get("extra", {}))
            if "tools" in conv:
                kwargs["tools"] = conv["tools"]
            try:
                text = template.render(messages=conv["messages"], add_generation_prompt=conv["add_generation_prompt"],
                                       bos_token=BOS, eos_token=EOS, **kwargs)
                results[cname] = {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "length": len(text.encode("utf-8"))}
            except Exception as e:  # noqa: BLE001 - the failure is the expected result
                results[cname] = {"error": f"{type(e).__name__}: {e}"}
        out["results"][name] = results
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
