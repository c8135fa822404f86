"""The demo function whose log group the forwarder is subscribed to: it prints a line about the
event it got (a line of its own between START and END, which the forwarder attributes to the
invocation's RequestId) and returns its request id."""

import json


def lambda_handler(event, context):
    print(f"log-analytics demo got {json.dumps(event)[:200]}")
    return {"requestId": context.aws_request_id}
