#pragma once

#include "protocol/query_shape.h"

namespace serval::monitoring {

// The input and output structures of the CloudWatch operations Serval serves, as botocore's
// model (cloudwatch/2010-08-01/service-2.json) describes them: what converts query requests to
// the awsJson documents the operations take and their answers back to XML.
extern const protocol::QueryShape kPutMetricDataInput;
extern const protocol::QueryShape kGetMetricStatisticsInput;
extern const protocol::QueryShape kGetMetricStatisticsOutput;
extern const protocol::QueryShape kGetMetricDataInput;
extern const protocol::QueryShape kGetMetricDataOutput;
extern const protocol::QueryShape kListMetricsInput;
extern const protocol::QueryShape kListMetricsOutput;
extern const protocol::QueryShape kEmptyOutput;

}  // namespace serval::monitoring
