#include "services/monitoring/cloudwatch_shapes.h"

namespace serval::monitoring {
namespace {

using protocol::QueryShape;
using Kind = QueryShape::Kind;

const QueryShape kString{Kind::kString};
const QueryShape kInteger{Kind::kInteger};
const QueryShape kDouble{Kind::kDouble};
const QueryShape kBoolean{Kind::kBoolean};
const QueryShape kTimestamp{Kind::kTimestamp};
const QueryShape kStrings{Kind::kList, {}, &kString};
const QueryShape kDoubles{Kind::kList, {}, &kDouble};
const QueryShape kTimestamps{Kind::kList, {}, &kTimestamp};
// Dimension and DimensionFilter have the same members.
const QueryShape kDimension{Kind::kStructure, {{"Name", &kString}, {"Value", &kString}}};
const QueryShape kDimensions{Kind::kList, {}, &kDimension};
const QueryShape kStatisticSet{
    Kind::kStructure,
    {{"SampleCount", &kDouble}, {"Sum", &kDouble}, {"Minimum", &kDouble}, {"Maximum", &kDouble}}};
const QueryShape kMetricDatum{Kind::kStructure,
                              {{"MetricName", &kString},
                               {"Dimensions", &kDimensions},
                               {"Timestamp", &kTimestamp},
                               {"Value", &kDouble},
                               {"StatisticValues", &kStatisticSet},
                               {"Values", &kDoubles},
                               {"Counts", &kDoubles},
                               {"Unit", &kString},
                               {"StorageResolution", &kInteger}}};
const QueryShape kMetricData{Kind::kList, {}, &kMetricDatum};
const QueryShape kDoubleMap{Kind::kMap, {}, &kDouble};
const QueryShape kDatapoint{Kind::kStructure,
                            {{"Timestamp", &kTimestamp},
                             {"SampleCount", &kDouble},
                             {"Average", &kDouble},
                             {"Sum", &kDouble},
                             {"Minimum", &kDouble},
                             {"Maximum", &kDouble},
                             {"Unit", &kString},
                             {"ExtendedStatistics", &kDoubleMap}}};
const QueryShape kDatapoints{Kind::kList, {}, &kDatapoint};
const QueryShape kMetric{
    Kind::kStructure,
    {{"Namespace", &kString}, {"MetricName", &kString}, {"Dimensions", &kDimensions}}};
const QueryShape kMetrics{Kind::kList, {}, &kMetric};
const QueryShape kMetricStat{
    Kind::kStructure,
    {{"Metric", &kMetric}, {"Period", &kInteger}, {"Stat", &kString}, {"Unit", &kString}}};
const QueryShape kMetricDataQuery{Kind::kStructure,
                                  {{"Id", &kString},
                                   {"MetricStat", &kMetricStat},
                                   {"Expression", &kString},
                                   {"Label", &kString},
                                   {"ReturnData", &kBoolean},
                                   {"Period", &kInteger},
                                   {"AccountId", &kString}}};
const QueryShape kMetricDataQueries{Kind::kList, {}, &kMetricDataQuery};
const QueryShape kLabelOptions{Kind::kStructure, {{"Timezone", &kString}}};
const QueryShape kMessageData{Kind::kStructure, {{"Code", &kString}, {"Value", &kString}}};
const QueryShape kMessages{Kind::kList, {}, &kMessageData};
const QueryShape kMetricDataResult{Kind::kStructure,
                                   {{"Id", &kString},
                                    {"Label", &kString},
                                    {"Timestamps", &kTimestamps},
                                    {"Values", &kDoubles},
                                    {"StatusCode", &kString},
                                    {"Messages", &kMessages}}};
const QueryShape kMetricDataResults{Kind::kList, {}, &kMetricDataResult};

}  // namespace

const QueryShape kPutMetricDataInput{
    Kind::kStructure,
    {{"Namespace", &kString}, {"MetricData", &kMetricData}, {"StrictEntityValidation", &kBoolean}}};
const QueryShape kGetMetricStatisticsInput{Kind::kStructure,
                                           {{"Namespace", &kString},
                                            {"MetricName", &kString},
                                            {"Dimensions", &kDimensions},
                                            {"StartTime", &kTimestamp},
                                            {"EndTime", &kTimestamp},
                                            {"Period", &kInteger},
                                            {"Statistics", &kStrings},
                                            {"ExtendedStatistics", &kStrings},
                                            {"Unit", &kString}}};
const QueryShape kGetMetricStatisticsOutput{Kind::kStructure,
                                            {{"Label", &kString}, {"Datapoints", &kDatapoints}}};
const QueryShape kGetMetricDataInput{Kind::kStructure,
                                     {{"MetricDataQueries", &kMetricDataQueries},
                                      {"StartTime", &kTimestamp},
                                      {"EndTime", &kTimestamp},
                                      {"NextToken", &kString},
                                      {"ScanBy", &kString},
                                      {"MaxDatapoints", &kInteger},
                                      {"LabelOptions", &kLabelOptions}}};
const QueryShape kGetMetricDataOutput{Kind::kStructure,
                                      {{"MetricDataResults", &kMetricDataResults},
                                       {"NextToken", &kString},
                                       {"Messages", &kMessages}}};
const QueryShape kListMetricsInput{Kind::kStructure,
                                   {{"Namespace", &kString},
                                    {"MetricName", &kString},
                                    {"Dimensions", &kDimensions},
                                    {"NextToken", &kString},
                                    {"RecentlyActive", &kString},
                                    {"IncludeLinkedAccounts", &kBoolean},
                                    {"OwningAccount", &kString}}};
const QueryShape kListMetricsOutput{
    Kind::kStructure,
    {{"Metrics", &kMetrics}, {"NextToken", &kString}, {"OwningAccounts", &kStrings}}};
const QueryShape kEmptyOutput{Kind::kStructure};

}  // namespace serval::monitoring
