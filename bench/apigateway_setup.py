#!/usr/bin/env python3
"""Creates what bench/apigateway.sh measures on Serval, through boto3, and prints a JSON object.

  apigateway_setup.py ENDPOINT --node-zip Z --cpp-zip Z

Per runtime R in (node, cpp):
  functions gw-R-proxy (answers {statusCode: 200, body: "hello"}) and gw-R-greet ({"name": N} ->
  {greeting: "hello " + N}): nodejs20.x gateway_hello.proxy / gateway_hello.greeting
  (bench/functions/gateway_hello.mjs), provided.al2023 with Handler proxy / greeting
  (bench/functions/gateway_hello.cc); each allowed for apigateway.amazonaws.com;
  a REST API with GET /hello (AWS_PROXY -> gw-R-proxy) and GET /greet (AWS -> gw-R-greet, request
  template {"name": "$input.params('name')"}, method and integration response 200 with response
  template {"greeting": "$input.path('$.greeting')"}), deployed to stage "bench";
  an HTTP API with route GET /hello (AWS_PROXY, payload 2.0 -> gw-R-proxy), stage $default with
  autoDeploy;
  a function URL (AuthType NONE, lambda:InvokeFunctionUrl allowed to *) of gw-R-proxy.

Prints {"node": {"proxy_function", "greet_function", "rest_api", "stage", "http_api",
"url_host"}, "cpp": {...}}. Credentials test/test, region us-east-1.
"""
import argparse
import json
import sys
import time
from urllib.parse import urlparse

import boto3

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
STAGE = "bench"
REQUEST_TEMPLATE = '{"name": "$input.params(\'name\')"}'
RESPONSE_TEMPLATE = '{"greeting": "$input.path(\'$.greeting\')"}'


def clients(endpoint):
    kw = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test",
              aws_secret_access_key="test")
    return boto3.client("lambda", **kw), boto3.client("apigateway", **kw), \
        boto3.client("apigatewayv2", **kw)


def create_function(lam, name, zip_bytes, runtime, handler):
    arn = lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                              Code={"ZipFile": zip_bytes}, MemorySize=512,
                              Timeout=30)["FunctionArn"]
    deadline = time.monotonic() + 60
    while lam.get_function_configuration(FunctionName=name).get("State") not in ("Active", None):
        if time.monotonic() > deadline:
            sys.exit(f"function {name} is not Active after 60 s")
        time.sleep(0.1)
    lam.add_permission(FunctionName=name, StatementId="apigateway",
                       Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*/*/*/*")
    return arn


def lambda_uri(arn):
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def rest_api(apigw, name, proxy_arn, greet_arn):
    api = apigw.create_rest_api(name=name)
    api_id, root = api["id"], api["rootResourceId"]
    hello = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="hello")["id"]
    apigw.put_method(restApiId=api_id, resourceId=hello, httpMethod="GET",
                     authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=hello, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(proxy_arn))
    greet = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="greet")["id"]
    apigw.put_method(restApiId=api_id, resourceId=greet, httpMethod="GET",
                     authorizationType="NONE",
                     requestParameters={"method.request.querystring.name": False})
    apigw.put_integration(restApiId=api_id, resourceId=greet, httpMethod="GET", type="AWS",
                          integrationHttpMethod="POST", uri=lambda_uri(greet_arn),
                          requestTemplates={"application/json": REQUEST_TEMPLATE},
                          passthroughBehavior="WHEN_NO_TEMPLATES")
    apigw.put_method_response(restApiId=api_id, resourceId=greet, httpMethod="GET",
                              statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=greet, httpMethod="GET",
                                   statusCode="200", selectionPattern="",
                                   responseTemplates={"application/json": RESPONSE_TEMPLATE})
    apigw.create_deployment(restApiId=api_id, stageName=STAGE)
    return api_id


def http_api(apigw2, name, proxy_arn):
    api_id = apigw2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    integration = apigw2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                            IntegrationUri=proxy_arn,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
    apigw2.create_route(ApiId=api_id, RouteKey="GET /hello",
                        Target=f"integrations/{integration}")
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def function_url_host(lam, name):
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    return urlparse(url).hostname


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("--node-zip", required=True)
    parser.add_argument("--cpp-zip", required=True)
    args = parser.parse_args()
    lam, apigw, apigw2 = clients(args.endpoint)
    runtimes = {
        "node": (open(args.node_zip, "rb").read(), "nodejs20.x",
                 "gateway_hello.proxy", "gateway_hello.greeting"),
        "cpp": (open(args.cpp_zip, "rb").read(), "provided.al2023", "proxy", "greeting"),
    }
    out = {}
    for runtime, (zip_bytes, lambda_runtime, proxy_handler, greet_handler) in runtimes.items():
        proxy, greet = f"gw-{runtime}-proxy", f"gw-{runtime}-greet"
        proxy_arn = create_function(lam, proxy, zip_bytes, lambda_runtime, proxy_handler)
        greet_arn = create_function(lam, greet, zip_bytes, lambda_runtime, greet_handler)
        out[runtime] = {
            "proxy_function": proxy,
            "greet_function": greet,
            "rest_api": rest_api(apigw, f"bench-{runtime}", proxy_arn, greet_arn),
            "stage": STAGE,
            "http_api": http_api(apigw2, f"bench-{runtime}", proxy_arn),
            "url_host": function_url_host(lam, proxy),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
