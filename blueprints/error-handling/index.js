// The backend of the seed's "Error Handling Patterns in Amazon API Gateway and AWS Lambda" post
// (its Swagger, swagger.json, points at it as [MY_FUNCTION_ARN]). The post shows the pattern,
// not this function: it reports failures as a custom error object serialized into the error
// message (`callback(JSON.stringify(myErrorObj))`), whose httpStatus the integration responses
// select on. Here the status comes from the request template, {"failureStatus" : N}: 200
// succeeds, any other status fails with the matching error object.
const ERROR_TYPES = {
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  500: "InternalServerError",
};

exports.handler = (event, context, callback) => {
  const status = event.failureStatus;
  if (status === 200) {
    callback(null, { message: "Success", requestId: context.awsRequestId });
    return;
  }
  const myErrorObj = {
    errorType: ERROR_TYPES[status] || "InternalServerError",
    httpStatus: ERROR_TYPES[status] ? status : 500,
    requestId: context.awsRequestId,
    message: ERROR_TYPES[status]
      ? `The request failed with status ${status}.`
      : "An unknown error has occurred. Please try again.",
  };
  callback(JSON.stringify(myErrorObj));
};
