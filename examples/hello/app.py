import json


def lambda_handler(event, context):
    """The demo function `serval up` deploys: greets whoever the event names."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print(f"Saying hello to {name} from {context.function_name}")
    return {"statusCode": 200, "body": json.dumps({"message": f"Hello, {name}!"})}
