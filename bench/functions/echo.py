# Python echo for bench/run.sh (python3.12, handler echo.lambda_handler).
def lambda_handler(event, context):
    return event
