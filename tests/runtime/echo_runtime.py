#!/usr/bin/env python3
"""echo_runtime.py - a Lambda runtime client for the lambda_procs tests.

Speaks the Runtime API at $AWS_LAMBDA_RUNTIME_API (docs/spec/lambda-runtime.md):
GET /next, then POST the response or the error, in a loop, on one keep-alive
connection. What it does with an event is chosen by the event's "mode":

  echo (default)  responds {"pid", "api", "fds", "lang", "headers", "event"}:
                  its pid, its Runtime API address, the descriptors it had
                  at start, $LANG, the four Lambda-Runtime-* headers and the
                  Content-Type of /next, and the event
  sleep           sleeps "ms" milliseconds, then echoes
  exit            exits with status "code" without answering
  error           posts /error with "errorType" and "errorMessage"
  print           writes "lines" to stdout and "errlines" to stderr, then echoes
  chunked         echoes with a chunked request body
  bye             echoes, then exits with status 0 (while idle)
  huge            responds a JSON string of exactly "size" bytes; reports the
                  status the Runtime API answered on stderr

Arguments: --init-error posts /init/error instead of asking for events;
--hello writes "hello from init" to stdout before the first /next.
"""
import http.client
import json
import os
import sys
import time

VERSION = "/2018-06-01/runtime"


def main():
    fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    api = os.environ["AWS_LAMBDA_RUNTIME_API"]
    host, port = api.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))
    if "--hello" in sys.argv:
        print("hello from init", flush=True)
    if "--init-error" in sys.argv:
        body = json.dumps({"errorType": "Runtime.ImportModuleError",
                           "errorMessage": "Cannot find module 'nope'"})
        conn.request("POST", VERSION + "/init/error", body,
                     {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
        conn.getresponse().read()
        time.sleep(30)
        return
    while True:
        conn.request("GET", VERSION + "/invocation/next")
        resp = conn.getresponse()
        event = json.loads(resp.read() or b"null")
        rid = resp.getheader("Lambda-Runtime-Aws-Request-Id")
        headers = {name: resp.getheader(name) for name in (
            "Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Deadline-Ms",
            "Lambda-Runtime-Invoked-Function-Arn", "Lambda-Runtime-Trace-Id",
            "Content-Type")}
        mode = event.get("mode", "echo") if isinstance(event, dict) else "echo"
        if mode == "sleep":
            time.sleep(event.get("ms", 0) / 1000.0)
        elif mode == "exit":
            os._exit(event.get("code", 0))
        elif mode == "print":
            for line in event.get("lines", []):
                print(line, flush=True)
            for line in event.get("errlines", []):
                print(line, file=sys.stderr, flush=True)
            if event.get("long"):
                print("y" * event["long"], flush=True)
        if mode == "error":
            body = json.dumps({"errorType": event.get("errorType"),
                               "errorMessage": event.get("errorMessage"),
                               "stackTrace": ["at handler (index.js:1:1)"]})
            conn.request("POST", VERSION + "/invocation/%s/error" % rid, body,
                         {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
        elif mode == "huge":
            body = '"' + "x" * (event["size"] - 2) + '"'
            conn.request("POST", VERSION + "/invocation/%s/response" % rid, body)
        else:
            body = json.dumps({"pid": os.getpid(), "api": api, "fds": fds,
                               "lang": os.environ.get("LANG"), "headers": headers,
                               "event": event})
            if mode == "chunked":
                half = len(body) // 2
                conn.request("POST", VERSION + "/invocation/%s/response" % rid,
                             iter([body[:half].encode(), body[half:].encode()]),
                             encode_chunked=True)
            else:
                conn.request("POST", VERSION + "/invocation/%s/response" % rid, body)
        answer = conn.getresponse()
        answer.read()
        if mode == "huge":
            print("response status %d" % answer.status, file=sys.stderr, flush=True)
        if mode == "bye":
            os._exit(0)


if __name__ == "__main__":
    main()
