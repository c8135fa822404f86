# The post's replication function ("Content Replication Using AWS Lambda and Amazon S3"), ported
# from Python 2.7 to Python 3. One copy of it runs per destination bucket, named exactly like that
# bucket: the destination is the function's own name. README.md says what changed and why.
import urllib.parse
import boto3
import ast
import json  # imported by the post, unused there too
print('Loading function')

# Created once per execution environment rather than per event (the post made one per event).
s3 = boto3.client('s3')


def lambda_handler(event, context):
    sns_message = ast.literal_eval(event['Records'][0]['Sns']['Message'])
    if 'Records' not in sns_message:
        # S3 publishes {"Service": "Amazon S3", "Event": "s3:TestEvent", ...} to the topic when
        # the notification is configured; it names no object and there is nothing to copy.
        print("Ignoring %s for bucket %s" % (sns_message.get('Event'), sns_message.get('Bucket')))
        return
    target_bucket = context.function_name
    source_bucket = str(sns_message['Records'][0]['s3']['bucket']['name'])
    key = urllib.parse.unquote_plus(sns_message['Records'][0]['s3']['object']['key'])
    copy_source = {'Bucket': source_bucket, 'Key': key}
    print("Copying %s from bucket %s to bucket %s ..." % (key, source_bucket, target_bucket))
    s3.copy_object(Bucket=target_bucket, Key=key, CopySource=copy_source)
