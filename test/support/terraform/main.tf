# Every CloudWatch and CloudWatch Logs resource the service serves to the
# hashicorp/aws provider, as test/service/terraform.test.ts drives it:
#   terraform apply -var endpoint=http://127.0.0.1:4566
# (the alarm and log group marked "imported" are made by the test first and
# brought in with `terraform import`).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

variable "endpoint" { type = string }
variable "access_key" { default = "test" }
variable "secret_key" { default = "test" }
# The attributes the test's update step changes.
variable "retention_in_days" { default = 7 }
variable "cpu_threshold" { default = 80 }
variable "markdown" { default = "hello" }
variable "subscription_pattern" { default = "ERROR" }
variable "team" { default = "ops" }

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    cloudwatch = var.endpoint
    logs       = var.endpoint
    sts        = var.endpoint
  }
}

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = "tf-cpu"
  alarm_description   = "cpu high"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = "CPUUtilization"
  namespace           = "AWS/EC2"
  period              = 60
  statistic           = "Average"
  threshold           = var.cpu_threshold
  dimensions          = { InstanceId = "i-0123456789abcdef0" }
  treat_missing_data  = "notBreaching"
  alarm_actions       = ["arn:aws:automate:us-east-1:ec2:stop"]
  tags                = { team = var.team }
}

resource "aws_cloudwatch_metric_alarm" "p99" {
  alarm_name                            = "tf-p99"
  comparison_operator                   = "LessThanOrEqualToThreshold"
  evaluation_periods                    = 5
  datapoints_to_alarm                   = 3
  metric_name                           = "Latency"
  namespace                             = "App"
  period                                = 10
  extended_statistic                    = "p99.5"
  unit                                  = "Milliseconds"
  threshold                             = 0.25
  actions_enabled                       = false
  ok_actions                            = ["arn:aws:sns:us-east-1:111111111111:ok"]
  insufficient_data_actions             = ["arn:aws:sns:us-east-1:111111111111:nodata"]
  evaluate_low_sample_count_percentiles = "ignore"
  treat_missing_data                    = "breaching"
  dimensions                            = { A = "1", B = "2" }
}

resource "aws_cloudwatch_metric_alarm" "math" {
  alarm_name          = "tf-math"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 10
  metric_query {
    id          = "e1"
    expression  = "m1 + m2"
    label       = "errors and faults"
    return_data = true
  }
  metric_query {
    id = "m1"
    metric {
      metric_name = "Errors"
      namespace   = "App"
      period      = 60
      stat        = "Sum"
      unit        = "Count"
      dimensions  = { Service = "web" }
    }
  }
  metric_query {
    id = "m2"
    metric {
      metric_name = "Faults"
      namespace   = "App"
      period      = 60
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "insights" {
  alarm_name          = "tf-insights"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 50
  metric_query {
    id          = "q1"
    expression  = "SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId)"
    period      = 60
    label       = "cpu"
    return_data = true
  }
}

resource "aws_cloudwatch_metric_alarm" "band" {
  alarm_name          = "tf-band"
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 2
  threshold_metric_id = "ad1"
  metric_query {
    id          = "ad1"
    expression  = "ANOMALY_DETECTION_BAND(m1, 2)"
    label       = "band"
    return_data = true
  }
  metric_query {
    id          = "m1"
    return_data = true
    metric {
      metric_name = "Latency"
      namespace   = "App"
      period      = 300
      stat        = "Average"
    }
  }
}

# Made by the test with PutMetricAlarm, then `terraform import`ed.
resource "aws_cloudwatch_metric_alarm" "imported" {
  alarm_name          = "tf-imported"
  comparison_operator = "LessThanThreshold"
  evaluation_periods  = 1
  metric_name         = "FreeStorageSpace"
  namespace           = "App"
  period              = 300
  statistic           = "Minimum"
  threshold           = 1000
  tags                = { origin = "sdk" }
}

resource "aws_cloudwatch_composite_alarm" "both" {
  alarm_name        = "tf-composite"
  alarm_description = "cpu or errors"
  alarm_rule        = "ALARM(${aws_cloudwatch_metric_alarm.cpu.alarm_name}) OR ALARM(${aws_cloudwatch_metric_alarm.math.alarm_name})"
  alarm_actions     = ["arn:aws:sns:us-east-1:111111111111:page"]
  actions_suppressor {
    alarm            = aws_cloudwatch_metric_alarm.insights.alarm_name
    extension_period = 60
    wait_period      = 120
  }
  tags = { team = var.team }
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "tf-dash"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6,
        properties = { metrics = [["AWS/EC2", "CPUUtilization", "InstanceId", "i-0123456789abcdef0"]], region = "us-east-1", stat = "Average" }
      },
      { type = "text", x = 0, y = 6, width = 6, height = 3, properties = { markdown = var.markdown } },
    ]
  })
}

resource "aws_cloudwatch_metric_stream" "main" {
  name                            = "tf-stream"
  firehose_arn                    = "arn:aws:firehose:us-east-1:111111111111:deliverystream/metrics"
  role_arn                        = "arn:aws:iam::111111111111:role/metric-stream"
  output_format                   = "json"
  include_linked_accounts_metrics = true
  include_filter {
    namespace    = "AWS/EC2"
    metric_names = ["CPUUtilization", "NetworkIn"]
  }
  include_filter {
    namespace = "App"
  }
  statistics_configuration {
    additional_statistics = ["p99", "TM(10%:90%)"]
    include_metric {
      namespace   = "AWS/EC2"
      metric_name = "CPUUtilization"
    }
  }
  tags = { team = var.team }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/tf/app"
  retention_in_days = var.retention_in_days
  tags              = { team = var.team }
}

resource "aws_cloudwatch_log_group" "prefixed" {
  name_prefix     = "/tf/prefixed-"
  log_group_class = "INFREQUENT_ACCESS"
}

# Made by the test with CreateLogGroup and PutRetentionPolicy, then `terraform import`ed.
resource "aws_cloudwatch_log_group" "imported" {
  name              = "/tf/imported"
  retention_in_days = 30
  tags              = { origin = "sdk" }
}

resource "aws_cloudwatch_log_stream" "web" {
  name           = "web-1"
  log_group_name = aws_cloudwatch_log_group.app.name
}

resource "aws_cloudwatch_log_metric_filter" "errors" {
  name           = "tf-errors"
  pattern        = "ERROR"
  log_group_name = aws_cloudwatch_log_group.app.name
  metric_transformation {
    name          = "ErrorCount"
    namespace     = "App"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_log_metric_filter" "status" {
  name           = "tf-status"
  pattern        = "{ $.status = 500 }"
  log_group_name = aws_cloudwatch_log_group.app.name
  metric_transformation {
    name       = "ServerErrors"
    namespace  = "App"
    value      = "$.count"
    unit       = "Count"
    dimensions = { Path = "$.path" }
  }
}

resource "aws_cloudwatch_log_destination" "central" {
  name       = "tf-central"
  role_arn   = "arn:aws:iam::111111111111:role/logs-to-kinesis"
  target_arn = "arn:aws:kinesis:us-east-1:111111111111:stream/central"
  tags       = { team = var.team }
}

resource "aws_cloudwatch_log_destination_policy" "central" {
  destination_name = aws_cloudwatch_log_destination.central.name
  access_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "222222222222" }
      Action    = "logs:PutSubscriptionFilter"
      Resource  = aws_cloudwatch_log_destination.central.arn
    }]
  })
}

resource "aws_cloudwatch_log_subscription_filter" "kinesis" {
  name            = "tf-kinesis"
  log_group_name  = aws_cloudwatch_log_group.app.name
  filter_pattern  = var.subscription_pattern
  destination_arn = "arn:aws:kinesis:us-east-1:111111111111:stream/central"
  role_arn        = "arn:aws:iam::111111111111:role/logs-to-kinesis"
  distribution    = "Random"
}

resource "aws_cloudwatch_log_resource_policy" "route53" {
  policy_name = "tf-route53"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "route53.amazonaws.com" }
      Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource  = "arn:aws:logs:*:*:log-group:/tf/*"
    }]
  })
}

resource "aws_cloudwatch_query_definition" "recent" {
  name            = "tf/recent"
  log_group_names = [aws_cloudwatch_log_group.app.name]
  query_string    = "fields @timestamp, @message | sort @timestamp desc | limit 20"
}

resource "aws_cloudwatch_query_definition" "anywhere" {
  name         = "tf/anywhere"
  query_string = "stats count(*) by bin(5m)"
}

data "aws_cloudwatch_log_group" "app" {
  name = aws_cloudwatch_log_group.app.name
}

data "aws_cloudwatch_log_groups" "tf" {
  log_group_name_prefix = "/tf/"
  depends_on            = [aws_cloudwatch_log_group.app, aws_cloudwatch_log_group.prefixed, aws_cloudwatch_log_group.imported]
}

output "log_group" {
  value = {
    arn               = data.aws_cloudwatch_log_group.app.arn
    retention_in_days = data.aws_cloudwatch_log_group.app.retention_in_days
    tags              = data.aws_cloudwatch_log_group.app.tags
    kms_key_id        = data.aws_cloudwatch_log_group.app.kms_key_id
  }
}
output "log_groups" {
  value = { names = data.aws_cloudwatch_log_groups.tf.log_group_names, arns = data.aws_cloudwatch_log_groups.tf.arns }
}
output "prefixed_log_group" { value = aws_cloudwatch_log_group.prefixed.name }
