# The post's LambdaMediaInfo function ("Extracting Video Metadata using Lambda and Mediainfo"),
# ported from Python 2.7 to Python 3. Lines the seed lost (docstrings, the logger's level, the
# logger.info( prefixes, the table, put_item's Item, ExpiresIn) are restored from what the post
# says the code does; README.md lists every change and why.
import logging
import os
import subprocess
import urllib.parse

import boto3

SIGNED_URL_EXPIRATION = 300     # The number of seconds that the Signed URL is valid
DYNAMODB_TABLE_NAME = os.environ.get("DYNAMODB_TABLE_NAME", "TechnicalMetadata")
DYNAMO = boto3.resource("dynamodb")
# Debian's mediainfo (package mediainfo, built with libcurl: it reads http:// URLs with Range
# requests). The post bundled a static build as ./mediainfo in the zip; one bundled there still
# wins, so the post's packaging works unchanged.
MEDIAINFO = "./mediainfo" if os.path.isfile("./mediainfo") else "mediainfo"

logger = logging.getLogger('boto3')
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    """
    Lambda handler: extracts the technical metadata of every object the S3 event names and
    stores it in DynamoDB.

    :param event:   S3 event (Records[].s3.bucket.name, Records[].s3.object.key)
    :param context: Lambda context
    """
    # Loop through records provided by S3 Event trigger
    for s3_record in event['Records']:
        logger.info("Working on new s3_record...")
        # Extract the Key and Bucket names for the asset uploaded to S3. S3 URL-encodes the key
        # in the event (a space as '+'); the post used it as it came, which presigns a key that
        # does not exist for any name with a space or a non-ASCII character.
        key = urllib.parse.unquote_plus(s3_record['s3']['object']['key'])
        bucket = s3_record['s3']['bucket']['name']
        logger.info("Bucket: {} \t Key: {}".format(bucket, key))
        # Generate a signed URL for the uploaded asset
        signed_url = get_signed_url(SIGNED_URL_EXPIRATION, bucket, key)
        logger.info("Signed URL: {}".format(signed_url))
        # Launch MediaInfo
        # Pass the signed URL of the uploaded asset to MediaInfo as an input
        # MediaInfo will extract the technical metadata from the asset
        # The extracted metadata will be outputted in XML format and
        # stored in the variable xml_output
        xml_output = subprocess.check_output(
            [MEDIAINFO, "--full", "--output=XML", signed_url]).decode('utf-8')
        logger.info("Output: {}".format(xml_output))
        save_record(key, xml_output)


def save_record(key, xml_output):
    """
    Save record to DynamoDB

    :param key:         S3 Key Name
    :param xml_output:  Technical Metadata in XML Format
    :return:
    """
    logger.info("Saving record to DynamoDB...")
    table = DYNAMO.Table(DYNAMODB_TABLE_NAME)
    table.put_item(
        Item={
            'keyName': key,
            'technicalMetadata': xml_output
        }
    )
    logger.info("Saved record to DynamoDB")


def get_signed_url(expires_in, bucket, obj):
    """
    Generate a signed URL
    :param expires_in:  URL Expiration time in seconds
    :param bucket:
    :param obj:         S3 Key name
    :return:            Signed URL
    """
    s3_cli = boto3.client("s3")
    presigned_url = s3_cli.generate_presigned_url('get_object',
                                                  Params={'Bucket': bucket, 'Key': obj},
                                                  ExpiresIn=expires_in)
    return presigned_url
