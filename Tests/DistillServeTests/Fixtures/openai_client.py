"""Calls a running `distill-lab serve` with the official openai package and prints one JSON object.

usage: python3 openai_client.py BASE_URL GOOD_KEY ONE_REQUEST_KEY
ONE_REQUEST_KEY's account has a budget of one request: the second call must raise RateLimitError.
"""
import json
import sys

import openai
from openai import OpenAI

base_url, key, limited_key = sys.argv[1:4]
out = {"openai_version": openai.__version__}
client = OpenAI(base_url=base_url, api_key=key, max_retries=0)
out["models"] = [m.id for m in client.models.list()]
r = client.chat.completions.create(
    model=out["models"][0],
    messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "2+2?"}],
    max_tokens=8, seed=11, logprobs=True, top_logprobs=3,
)
c = r.choices[0]
out["object"] = r.object
out["content"] = c.message.content
out["finish_reason"] = c.finish_reason
out["usage"] = [r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens]
out["logprobs"] = [
    {"token": t.token, "logprob": t.logprob, "bytes": t.bytes,
     "top_logprobs": [{"token": a.token, "logprob": a.logprob, "bytes": a.bytes} for a in t.top_logprobs]}
    for t in c.logprobs.content
]

def error_of(call):
    try:
        call()
    except openai.APIStatusError as e:
        return [type(e).__name__, e.status_code, (e.body or {}).get("code") if isinstance(e.body, dict) else None]
    return None

simple = dict(model=out["models"][0], messages=[{"role": "user", "content": "hi"}], max_tokens=2)
out["unknown_key"] = error_of(lambda: OpenAI(base_url=base_url, api_key="sk-nobody", max_retries=0).chat.completions.create(**simple))
out["bad_parameter"] = error_of(lambda: client.chat.completions.create(**simple, n=2))
limited = OpenAI(base_url=base_url, api_key=limited_key, max_retries=0)
limited.chat.completions.create(**simple)
out["exhausted"] = error_of(lambda: limited.chat.completions.create(**simple))
print(json.dumps(out))
