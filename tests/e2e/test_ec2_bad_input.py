"""EC2's answers to bad input, in its own error shape
(<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>) with AWS's
codes and texts: unknown and malformed instance ids, states an action may not leave, bad
parameter values and combinations, missing and unknown parameters, unknown actions, DryRun,
unsigned and badly signed requests; IAM enforcement's UnauthorizedOperation for a role session
without ec2:StopInstances; instances and tags kept across kill -9 and a restart."""

import json
import re
import unittest
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

from iam_case import role_session
from serval_harness import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, ServalTestCase, unique_name

IMAGE = "ami-0abcdef1234567890"
FAST_WAIT = {"Delay": 1, "MaxAttempts": 20}
NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"


class Ec2ErrorCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ec2 = cls.serval.client("ec2")
        cls.loose = cls.serval.client("ec2", validate=False)

    def launch(self, count=1, **kw):
        return [i["InstanceId"] for i in self.ec2.run_instances(
            ImageId=IMAGE, MinCount=count, MaxCount=count, **kw)["Instances"]]

    def assert_error(self, call, code, message=None, status=400, **kw):
        with self.assertRaises(ClientError) as raised:
            call(**kw)
        error = raised.exception.response
        self.assertEqual(error["Error"]["Code"], code, error)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status, error)
        if message is not None:
            if isinstance(message, re.Pattern):
                self.assertRegex(error["Error"]["Message"], message)
            else:
                self.assertEqual(error["Error"]["Message"], message)
        self.assertTrue(error["ResponseMetadata"]["RequestId"], error)
        return error

    def form(self, params, sign=True, secret=SECRET_KEY, service="ec2"):
        """POST / with the form `params` (Version 2016-11-15 added), signed for `service` unless
        not `sign`: (status, headers, parsed XML root)."""
        body = urllib.parse.urlencode({"Version": "2016-11-15", **params}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        url = self.serval.endpoint + "/"
        if sign:
            request = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body,
                                                     headers=headers)
            botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, secret),
                                    service, REGION).add_auth(request)
            headers = dict(request.headers.items())
        try:
            with urllib.request.urlopen(urllib.request.Request(
                    url, data=body, method="POST", headers=headers), timeout=30) as response:
                return response.status, dict(response.headers), ET.fromstring(response.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), ET.fromstring(e.read())

    def assert_ec2_error_shape(self, root, code, message=None):
        """`root` is EC2's error document: no namespace, Errors/Error with Code and Message,
        RequestID at the root."""
        self.assertEqual(root.tag, "Response")
        self.assertEqual(root.find("Errors/Error/Code").text, code)
        if message is not None:
            self.assertEqual(root.find("Errors/Error/Message").text, message)
        self.assertTrue(root.find("RequestID").text)


class InstanceIdErrorsTest(Ec2ErrorCase):
    def test_unknown_ids_are_named(self):
        self.assert_error(self.ec2.describe_instances, "InvalidInstanceID.NotFound",
                          "The instance ID 'i-0123456789abcdef0' does not exist",
                          InstanceIds=["i-0123456789abcdef0"])
        [real] = self.launch()
        self.assert_error(self.ec2.stop_instances, "InvalidInstanceID.NotFound",
                          "The instance IDs 'i-0123456789abcdef0, i-00000000' do not exist",
                          InstanceIds=["i-0123456789abcdef0", real, "i-00000000"])
        for call in (self.ec2.start_instances, self.ec2.reboot_instances,
                     self.ec2.terminate_instances):
            self.assert_error(call, "InvalidInstanceID.NotFound", InstanceIds=["i-12345678"])
        self.assert_error(self.ec2.create_tags, "InvalidInstanceID.NotFound",
                          Resources=["i-12345678"], Tags=[{"Key": "k", "Value": "v"}])

    def test_malformed_ids(self):
        for bad in ("i-nope", "i-123", "i-0123456789ABCDEF0", "instance"):
            self.assert_error(self.ec2.describe_instances, "InvalidInstanceID.Malformed",
                              f'Invalid id: "{bad}"', InstanceIds=[bad])
        self.assert_error(self.ec2.stop_instances, "InvalidInstanceID.Malformed",
                          'Invalid id: "i-x"', InstanceIds=["i-x"])
        self.assert_error(self.ec2.create_tags, "InvalidID", "The ID 'vol-12345678' is not valid",
                          Resources=["vol-12345678"], Tags=[{"Key": "k", "Value": "v"}])

    def test_states_an_action_may_not_leave(self):
        [instance] = self.launch()
        self.ec2.get_waiter("instance_running").wait(InstanceIds=[instance],
                                                     WaiterConfig=FAST_WAIT)
        self.ec2.terminate_instances(InstanceIds=[instance])
        self.assert_error(self.ec2.stop_instances, "IncorrectInstanceState",
                          f"This instance '{instance}' is not in a state from which it can be "
                          "stopped.", InstanceIds=[instance])
        self.assert_error(self.ec2.start_instances, "IncorrectInstanceState",
                          f"The instance '{instance}' is not in a state from which it can be "
                          "started.", InstanceIds=[instance])
        self.assert_error(self.ec2.reboot_instances, "IncorrectInstanceState",
                          f"The instance '{instance}' is not in a state from which it can be "
                          "rebooted.", InstanceIds=[instance])


class ParameterErrorsTest(Ec2ErrorCase):
    def test_max_results_range_and_combination(self):
        self.assert_error(self.loose.describe_instances, "InvalidParameterValue",
                          "Value ( 3 ) for parameter maxResults is invalid. Expecting a value "
                          "greater than 5.", MaxResults=3)
        self.assert_error(self.loose.describe_instances, "InvalidParameterValue",
                          "Value ( 2000 ) for parameter maxResults is invalid. Expecting a value "
                          "less than 1000.", MaxResults=2000)
        self.assert_error(self.ec2.describe_instances, "InvalidParameterCombination",
                          "The parameter instancesSet cannot be used with the parameter "
                          "maxResults", InstanceIds=["i-12345678"], MaxResults=10)
        self.assert_error(self.ec2.describe_instances, "InvalidPaginationToken",
                          NextToken="not-a-token")
        self.assert_error(self.loose.describe_tags, "InvalidParameterValue", MaxResults=1)

    def test_filters_and_values(self):
        self.assert_error(self.ec2.describe_instances, "InvalidParameterValue",
                          "The filter 'colour' is invalid",
                          Filters=[{"Name": "colour", "Values": ["red"]}])
        self.assert_error(self.ec2.describe_tags, "InvalidParameterValue",
                          "The filter 'instance-id' is invalid",
                          Filters=[{"Name": "instance-id", "Values": ["i-12345678"]}])
        self.assert_error(self.ec2.run_instances, "InvalidParameterValue",
                          "Invalid value 'huge' for InstanceType.",
                          ImageId=IMAGE, MinCount=1, MaxCount=1, InstanceType="huge")
        self.assert_error(self.ec2.run_instances, "InvalidParameterValue",
                          f"Invalid availability zone: [{REGION}z]", ImageId=IMAGE, MinCount=1,
                          MaxCount=1, Placement={"AvailabilityZone": f"{REGION}z"})
        self.assert_error(self.ec2.run_instances, "InvalidParameterValue",
                          ImageId=IMAGE, MinCount=2, MaxCount=1)
        self.assert_error(self.ec2.run_instances, "InvalidAMIID.Malformed",
                          'Invalid id: "my-image" (expecting "ami-...")',
                          ImageId="my-image", MinCount=1, MaxCount=1)
        [instance] = self.launch()
        self.assert_error(self.ec2.create_tags, "InvalidParameterValue",
                          re.compile(r"Tag keys starting with 'aws:' are reserved"),
                          Resources=[instance], Tags=[{"Key": "aws:owner", "Value": "me"}])
        self.assert_error(self.ec2.create_tags, "TagLimitExceeded", Resources=[instance],
                          Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(51)])

    def test_missing_and_unknown_parameters(self):
        self.assert_error(self.ec2.run_instances, "MissingParameter",
                          "The request must contain the parameter ImageId",
                          MinCount=1, MaxCount=1)
        status, _, root = self.form({"Action": "StopInstances"})
        self.assertEqual(status, 400)
        self.assert_ec2_error_shape(root, "MissingParameter",
                                    "The request must contain the parameter InstanceId")
        status, _, root = self.form({"Action": "DescribeInstances", "Colour": "red"})
        self.assertEqual(status, 400)
        self.assert_ec2_error_shape(root, "UnknownParameter",
                                    "The parameter Colour is not recognized")
        status, _, root = self.form({"Action": "DescribeInstances", "InstanceIds.1": "i-1"})
        self.assert_ec2_error_shape(root, "UnknownParameter",
                                    "The parameter InstanceIds is not recognized")
        status, _, root = self.form({"Action": "LaunchRockets"})
        self.assertEqual(status, 400)
        self.assert_ec2_error_shape(root, "InvalidAction",
                                    "The action LaunchRockets is not valid for this web service.")

    def test_dry_run(self):
        [instance] = self.launch()
        before = self.ec2.describe_instances()["Reservations"]
        self.assert_error(self.ec2.run_instances, "DryRunOperation",
                          "Request would have succeeded, but DryRun flag is set.", status=412,
                          ImageId=IMAGE, MinCount=1, MaxCount=1, DryRun=True)
        self.assertEqual(len(self.ec2.describe_instances()["Reservations"]), len(before))
        self.ec2.get_waiter("instance_running").wait(InstanceIds=[instance],
                                                     WaiterConfig=FAST_WAIT)
        for call in (self.ec2.stop_instances, self.ec2.terminate_instances,
                     self.ec2.reboot_instances, self.ec2.describe_instances):
            self.assert_error(call, "DryRunOperation", status=412, InstanceIds=[instance],
                              DryRun=True)
        self.assert_error(self.ec2.create_tags, "DryRunOperation", status=412,
                          Resources=[instance], Tags=[{"Key": "k", "Value": "v"}], DryRun=True)
        described = self.ec2.describe_instances(InstanceIds=[instance])
        self.assertEqual(described["Reservations"][0]["Instances"][0]["State"]["Name"], "running")
        self.assertNotIn("Tags", described["Reservations"][0]["Instances"][0])
        # A dry run still checks what it is given.
        self.assert_error(self.ec2.stop_instances, "InvalidInstanceID.NotFound",
                          InstanceIds=["i-12345678"], DryRun=True)

    def test_successful_answers_are_ec2_xml(self):
        status, headers, root = self.form({"Action": "DescribeRegions"})
        self.assertEqual(status, 200)
        self.assertEqual(root.tag, f"{NS}DescribeRegionsResponse")
        self.assertTrue(root.find(f"{NS}requestId").text)
        self.assertTrue(root.findall(f"{NS}regionInfo/{NS}item"))


class AuthenticationTest(Ec2ErrorCase):
    def test_unsigned_and_badly_signed_requests_are_refused(self):
        status, _, root = self.form({"Action": "DescribeInstances"}, secret="wrong")
        self.assertEqual(status, 401)
        self.assert_ec2_error_shape(root, "AuthFailure",
                                    "AWS was not able to validate the provided access "
                                    "credentials")
        unknown = boto3.session.Session(
            aws_access_key_id="AKIAUNKNOWN000000000", aws_secret_access_key="x",
            region_name=REGION).client("ec2", endpoint_url=self.serval.endpoint)
        self.assert_error(unknown.describe_instances, "AuthFailure", status=401)
        # An unsigned request names no service (only a signature's scope does; the body is not
        # read before routing): it is refused as a query-protocol call, never as S3's.
        status, headers, root = self.form({"Action": "DescribeInstances"}, sign=False)
        self.assertEqual(status, 403)
        self.assertEqual(root.tag, "ErrorResponse")
        self.assertEqual(root.find("Error/Type").text, "Sender")
        self.assertEqual(root.find("Error/Code").text, "MissingAuthenticationToken")
        self.assertEqual(root.find("Error/Message").text,
                         "Request is missing Authentication Token")
        self.assertEqual(root.find("RequestId").text, headers["x-amzn-RequestId"])
        # The same for a GET with the Action in the query string, and for RDS's form.
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(
                self.serval.endpoint + "/?Action=DescribeRegions&Version=2016-11-15", timeout=30)
        root = ET.fromstring(refused.exception.read())
        self.assertEqual(refused.exception.code, 403)
        self.assertEqual(root.find("Error/Code").text, "MissingAuthenticationToken")
        status, _, root = self.form({"Action": "DescribeDBInstances", "Version": "2014-10-31"},
                                    sign=False)
        self.assertEqual((status, root.find("Error/Code").text),
                         (403, "MissingAuthenticationToken"))


class RestartTest(Ec2ErrorCase):
    SERVAL_ARGS = ("--instance-transition-ms", "200")

    def test_instances_and_tags_survive_kill_9(self):
        ids = self.launch(3, TagSpecifications=[{"ResourceType": "instance",
                                                 "Tags": [{"Key": "EntScheduler",
                                                           "Value": "office"}]}])
        self.ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=FAST_WAIT)
        self.ec2.stop_instances(InstanceIds=[ids[0]])
        self.ec2.terminate_instances(InstanceIds=[ids[1]])
        self.ec2.create_tags(Resources=[ids[2]], Tags=[{"Key": "Owner", "Value": "ops"}])
        self.ec2.delete_tags(Resources=[ids[2]], Tags=[{"Key": "EntScheduler"}])
        later = self.launch(1)
        self.serval.kill()
        self.serval.start()
        ec2 = self.ec2 = self.serval.client("ec2")
        ec2.get_waiter("instance_stopped").wait(InstanceIds=[ids[0]], WaiterConfig=FAST_WAIT)
        listed = [i for r in ec2.describe_instances(InstanceIds=ids + later)["Reservations"]
                  for i in r["Instances"]]
        self.assertEqual([i["InstanceId"] for i in listed], ids + later, "launch order kept")
        states = {i["InstanceId"]: i["State"]["Name"] for i in listed}
        self.assertEqual(states, {ids[0]: "stopped", ids[1]: "terminated", ids[2]: "running",
                                  later[0]: "running"})
        tags = {i["InstanceId"]: {t["Key"]: t["Value"] for t in i.get("Tags", [])}
                for i in listed}
        self.assertEqual(tags[ids[0]], {"EntScheduler": "office"})
        self.assertEqual(tags[ids[2]], {"Owner": "ops"})
        # New launches after the restart come after the old ones.
        newer = self.launch(1)
        everything = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
                      for i in r["Instances"]]
        self.assertEqual(everything[-1], newer[0])
        self.assertEqual(ec2.start_instances(InstanceIds=[ids[0]])["StartingInstances"][0][
            "PreviousState"]["Name"], "stopped")


class EnforcementTest(Ec2ErrorCase):
    """--iam enforce: a role session allowed to describe and start, but not to stop, instances."""
    SERVAL_ARGS = ("--iam", "enforce")

    def test_a_session_without_stop_instances_is_refused(self):
        session_arn, session = role_session(self.serval, unique_name("scheduler"), {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["ec2:DescribeInstances", "ec2:StartInstances"],
                 "Resource": "*"},
                {"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
                 "Condition": {"StringEquals": {"ec2:ResourceTag/Disposable": "yes"}}}]})
        ec2 = session.client("ec2", endpoint_url=self.serval.endpoint)

        [kept, disposable] = self.launch(2)
        self.ec2.create_tags(Resources=[disposable], Tags=[{"Key": "Disposable", "Value": "yes"}])
        self.assertEqual(len(ec2.describe_instances(InstanceIds=[kept])["Reservations"]), 1)
        resource = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{kept}"
        self.assert_error(ec2.stop_instances, "UnauthorizedOperation",
                          f"You are not authorized to perform this operation. User: "
                          f"{session_arn} is not authorized to perform: ec2:StopInstances on "
                          f"resource: {resource} because no identity-based policy allows the "
                          "ec2:StopInstances action", status=403, InstanceIds=[kept])
        # Refused before anything changed, DryRun included.
        self.assert_error(ec2.stop_instances, "UnauthorizedOperation", status=403,
                          InstanceIds=[kept], DryRun=True)
        self.assert_error(ec2.start_instances, "DryRunOperation", status=412,
                          InstanceIds=[kept], DryRun=True)
        # The instance's tags are condition keys.
        self.assert_error(ec2.terminate_instances, "UnauthorizedOperation", status=403,
                          InstanceIds=[kept])
        self.assertEqual(ec2.terminate_instances(InstanceIds=[disposable])[
            "TerminatingInstances"][0]["CurrentState"]["Name"], "shutting-down")
        state = self.ec2.describe_instances(InstanceIds=[kept])["Reservations"][0][
            "Instances"][0]["State"]["Name"]
        self.assertIn(state, ("pending", "running"))


if __name__ == "__main__":
    unittest.main()
