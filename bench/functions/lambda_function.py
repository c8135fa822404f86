# The content-replication post's copy function (seed: "Content Replication Using AWS Lambda and
# Amazon S3"), ported from Python 2.7 to 3: urllib.parse.unquote_plus for urllib.unquote_plus,
# print() for print. One change beyond the port: the S3 client is made once per environment
# instead of once per event (the post makes it in the handler; that costs tens of milliseconds of
# CPU per event and would measure boto3, not the platform). The destination bucket is the
# function's own name. The file is lambda_function.py (handler lambda_function.lambda_handler, the
# console's default the post keeps): a module named copy.py would shadow the standard library's
# `copy`, which boto3 imports.
import ast
import urllib.parse

import boto3

print('Loading function')
s3 = boto3.client('s3')


def lambda_handler(event, context):
    sns_message = ast.literal_eval(event['Records'][0]['Sns']['Message'])
    target_bucket = context.function_name
    source_bucket = str(sns_message['Records'][0]['s3']['bucket']['name'])
    key = str(urllib.parse.unquote_plus(sns_message['Records'][0]['s3']['object']['key']))
    copy_source = {'Bucket': source_bucket, 'Key': key}
    print("Copying %s from bucket %s to bucket %s ..." % (key, source_bucket, target_bucket))
    s3.copy_object(Bucket=target_bucket, Key=key, CopySource=copy_source)
