//! Operations in infra/template.yaml (DEPLOY.md, "Operating it"): every queue
//! of failed work and every function has an alarm, as do the API's share of
//! 5xx answers and the mail's bounces and complaints; every alarm notifies
//! the operations topic; the API's access log holds no credential; the
//! custom domain and the alarm email change nothing unless set. The lists
//! come from the template itself, and each check also runs on a copy of the
//! template with what it checks taken away, where it must fail.

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/infra/template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("infra/template.yaml")).expect("valid YAML")
}

/// `(name, resource)` of every resource of one type.
fn resources_of<'t>(template: &'t Value, kind: &str) -> Vec<(&'t str, &'t Value)> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some(kind))
        .map(|(name, resource)| (name.as_str().expect("a resource name"), resource))
        .collect()
}

fn alarms(template: &Value) -> Vec<(&str, &Value)> {
    resources_of(template, "AWS::CloudWatch::Alarm")
}

fn remove_resource(template: &mut Value, name: &str) {
    let removed = template["Resources"]
        .as_mapping_mut()
        .expect("Resources")
        .remove(name);
    assert!(removed.is_some(), "no resource {name}");
}

/// An intrinsic function in either form (`!If x` or `{Fn::If: x}`, `!Ref x`
/// or `{Ref: x}`): its name without `!` or `Fn::`, and its argument.
fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            Some((tag.trim_start_matches('!').to_owned(), &tagged.value))
        }
        Value::Mapping(mapping) if mapping.len() == 1 => {
            let (key, argument) = mapping.iter().next()?;
            let key = key.as_str()?;
            let name = key
                .strip_prefix("Fn::")
                .or((key == "Ref" || key == "Condition").then_some(key))?;
            Some((name.to_owned(), argument))
        }
        _ => None,
    }
}

/// Whether `value` is `!Ref name`.
fn refers_to(value: &Value, name: &str) -> bool {
    matches!(intrinsic(value), Some((f, argument)) if f == "Ref" && argument.as_str() == Some(name))
}

/// Whether `value` is `!GetAtt resource.attribute`.
fn attribute_of(value: &Value, resource: &str, attribute: &str) -> bool {
    match intrinsic(value) {
        Some((f, argument)) if f == "GetAtt" => match argument {
            Value::String(dotted) => dotted == &format!("{resource}.{attribute}"),
            Value::Sequence(parts) => {
                parts.len() == 2
                    && parts[0].as_str() == Some(resource)
                    && parts[1].as_str() == Some(attribute)
            }
            _ => false,
        },
        _ => false,
    }
}

/// A metric an alarm reads: the alarm's own, or one of its metric-math queries.
struct Metric<'t> {
    id: Option<&'t str>,
    namespace: &'t str,
    name: &'t str,
    dimensions: &'t Value,
}

impl<'t> Metric<'t> {
    fn is(&self, namespace: &str, name: &str) -> bool {
        self.namespace == namespace && self.name == name
    }

    fn dimension(&self, name: &str) -> Option<&'t Value> {
        self.dimensions
            .as_sequence()?
            .iter()
            .find(|d| d["Name"].as_str() == Some(name))
            .map(|d| &d["Value"])
    }
}

fn metrics(alarm: &Value) -> Vec<Metric<'_>> {
    let props = &alarm["Properties"];
    if let Some(name) = props["MetricName"].as_str() {
        return vec![Metric {
            id: None,
            namespace: props["Namespace"].as_str().unwrap_or_default(),
            name,
            dimensions: &props["Dimensions"],
        }];
    }
    props["Metrics"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|query| {
            let metric = &query["MetricStat"]["Metric"];
            Some(Metric {
                id: query["Id"].as_str(),
                namespace: metric["Namespace"].as_str()?,
                name: metric["MetricName"].as_str()?,
                dimensions: &metric["Dimensions"],
            })
        })
        .collect()
}

/// The expression a metric-math alarm compares with its threshold.
fn alarm_expression(alarm: &Value) -> Option<String> {
    alarm["Properties"]["Metrics"]
        .as_sequence()?
        .iter()
        .find(|query| query["ReturnData"].as_bool() == Some(true))
        .and_then(|query| query["Expression"].as_str())
        .map(|expression| expression.replace(' ', ""))
}

/// Alarms on `metric` with `dimension` = `matches`, and that fire on any
/// value above 0 (the counts that must be 0).
fn alarms_above_zero<'t>(
    template: &'t Value,
    namespace: &str,
    metric: &str,
    dimension: &str,
    matches: impl Fn(&Value) -> bool,
) -> Vec<&'t str> {
    alarms(template)
        .into_iter()
        .filter(|(_, alarm)| {
            metrics(alarm)
                .iter()
                .any(|m| m.is(namespace, metric) && m.dimension(dimension).is_some_and(&matches))
        })
        .filter(|(_, alarm)| {
            let props = &alarm["Properties"];
            props["Threshold"].as_f64() == Some(0.0)
                && props["ComparisonOperator"].as_str() == Some("GreaterThanThreshold")
                && props["TreatMissingData"].as_str() == Some("notBreaching")
        })
        .map(|(name, _)| name)
        .collect()
}

/// Queues without an alarm on their visible messages (> 0).
fn queues_without_alarm(template: &Value) -> Vec<String> {
    resources_of(template, "AWS::SQS::Queue")
        .into_iter()
        .filter(|(queue, _)| {
            alarms_above_zero(
                template,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                |v| attribute_of(v, queue, "QueueName"),
            )
            .is_empty()
        })
        .map(|(queue, _)| queue.to_owned())
        .collect()
}

#[test]
fn every_queue_has_an_alarm_on_its_waiting_messages() {
    let template = template();
    let queues = resources_of(&template, "AWS::SQS::Queue");
    // The notifier's dead-letter queue and verify-attachment's on-failure queue at least.
    assert!(
        queues.len() >= 2,
        "{:?}",
        queues.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    assert_eq!(queues_without_alarm(&template), Vec::<String>::new());

    let mut without = template.clone();
    let (alarm, _) = alarms(&template)
        .into_iter()
        .find(|(_, a)| metrics(a).iter().any(|m| m.namespace == "AWS/SQS"))
        .expect("a queue alarm");
    remove_resource(&mut without, alarm);
    assert_eq!(queues_without_alarm(&without).len(), 1, "without {alarm}");
}

/// Functions without an alarm on their errors (> 0).
fn functions_without_errors_alarm(template: &Value) -> Vec<String> {
    resources_of(template, "AWS::Serverless::Function")
        .into_iter()
        .filter(|(function, _)| {
            alarms_above_zero(template, "AWS/Lambda", "Errors", "FunctionName", |v| {
                refers_to(v, function)
            })
            .into_iter()
            .all(|alarm| template["Resources"][alarm]["Properties"]["Statistic"].as_str() != Some("Sum"))
        })
        .map(|(function, _)| function.to_owned())
        .collect()
}

#[test]
fn every_function_has_an_alarm_on_its_errors() {
    let template = template();
    let functions = resources_of(&template, "AWS::Serverless::Function");
    assert!(functions.len() > 10, "{}", functions.len());
    assert_eq!(functions_without_errors_alarm(&template), Vec::<String>::new());

    let mut without = template.clone();
    let (alarm, _) = alarms(&template)
        .into_iter()
        .find(|(_, a)| metrics(a).iter().any(|m| m.is("AWS/Lambda", "Errors")))
        .expect("an errors alarm");
    remove_resource(&mut without, alarm);
    assert_eq!(
        functions_without_errors_alarm(&without).len(),
        1,
        "without {alarm}"
    );
}

/// HTTP APIs without an alarm on their share of 5xx answers that ignores
/// periods with few requests.
fn apis_without_5xx_rate_alarm(template: &Value) -> Vec<String> {
    resources_of(template, "AWS::Serverless::HttpApi")
        .into_iter()
        .filter(|(api, _)| {
            !alarms(template).iter().any(|(_, alarm)| {
                let metrics = metrics(alarm);
                let id_of = |name: &str| {
                    metrics
                        .iter()
                        .find(|m| {
                            m.is("AWS/ApiGateway", name)
                                && m.dimension("ApiId").is_some_and(|v| refers_to(v, api))
                        })
                        .and_then(|m| m.id)
                };
                let (Some(errors), Some(requests), Some(expression)) =
                    (id_of("5xx"), id_of("Count"), alarm_expression(alarm))
                else {
                    return false;
                };
                // A share of the requests, taken only from a minimum count on.
                expression.contains(&format!("IF({requests}>="))
                    && expression.contains(&format!("FILL({errors},0)/{requests}"))
                    && alarm["Properties"]["Threshold"].as_f64().is_some_and(|t| t > 0.0)
            })
        })
        .map(|(api, _)| api.to_owned())
        .collect()
}

#[test]
fn the_share_of_5xx_answers_of_the_api_is_alarmed() {
    let template = template();
    let apis = resources_of(&template, "AWS::Serverless::HttpApi");
    assert_eq!(
        apis.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ["PortalApi"],
        "one HTTP API"
    );
    assert_eq!(apis_without_5xx_rate_alarm(&template), Vec::<String>::new());

    // Without the minimum request count, one failed request at night would page.
    let mut without = template.clone();
    let alarm = alarms(&template)
        .into_iter()
        .find(|(_, a)| metrics(a).iter().any(|m| m.is("AWS/ApiGateway", "5xx")))
        .expect("a 5xx alarm")
        .0;
    let queries = without["Resources"][alarm]["Properties"]["Metrics"]
        .as_sequence_mut()
        .unwrap();
    for query in queries {
        if query["ReturnData"].as_bool() == Some(true) {
            query["Expression"] = Value::from("100 * errors / requests");
        }
    }
    assert_eq!(apis_without_5xx_rate_alarm(&without), ["PortalApi"]);
}

/// What is missing for the mail sent through each configuration set: its
/// CloudWatch event destination, the bounce and complaint rate alarms.
fn mail_gaps(template: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    for (set, _) in resources_of(template, "AWS::SES::ConfigurationSet") {
        let to_cloudwatch = resources_of(template, "AWS::SES::ConfigurationSetEventDestination")
            .into_iter()
            .map(|(_, d)| &d["Properties"])
            .filter(|d| refers_to(&d["ConfigurationSetName"], set))
            .map(|d| &d["EventDestination"])
            .any(|d| {
                let events: Vec<String> = d["MatchingEventTypes"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.as_str().map(str::to_lowercase))
                    .collect();
                let dimensions = d["CloudWatchDestination"]["DimensionConfigurations"]
                    .as_sequence()
                    .cloned()
                    .unwrap_or_default();
                d["Enabled"].as_bool() == Some(true)
                    && ["send", "delivery", "bounce", "complaint", "reject"]
                        .iter()
                        .all(|e| events.iter().any(|x| x == e))
                    && dimensions.iter().any(|dim| {
                        dim["DimensionName"].as_str() == Some("ses:configuration-set")
                            && dim["DimensionValueSource"].as_str() == Some("messageTag")
                    })
            });
        if !to_cloudwatch {
            gaps.push(format!(
                "{set}: no CloudWatch event destination for send, bounce, complaint…"
            ));
        }
        // Per 100 mails sent (AWS reviews an account from 5% bounces, 0.1% complaints).
        for (event, most) in [("Bounce", 5.0), ("Complaint", 0.1)] {
            let alarmed = alarms(template).iter().any(|(_, alarm)| {
                let metrics = metrics(alarm);
                let id_of = |name: &str| {
                    metrics
                        .iter()
                        .find(|m| {
                            m.is("AWS/SES", name)
                                && m.dimension("ses:configuration-set")
                                    .is_some_and(|v| refers_to(v, set))
                        })
                        .and_then(|m| m.id)
                };
                let (Some(events), Some(sends), Some(expression)) =
                    (id_of(event), id_of("Send"), alarm_expression(alarm))
                else {
                    return false;
                };
                expression.contains(&format!("IF({sends}>="))
                    && expression.contains(&format!("100*FILL({events},0)/{sends}"))
                    && alarm["Properties"]["Threshold"]
                        .as_f64()
                        .is_some_and(|t| t > 0.0 && t <= most)
            });
            if !alarmed {
                gaps.push(format!(
                    "{set}: no alarm on {event} per mail sent (at most {most}%)"
                ));
            }
        }
    }
    // The account's own rates, the ones AWS acts on (fractions, not percent).
    for (metric, most) in [
        ("Reputation.BounceRate", 0.05),
        ("Reputation.ComplaintRate", 0.001),
    ] {
        let alarmed = alarms(template).iter().any(|(_, alarm)| {
            metrics(alarm).iter().any(|m| m.is("AWS/SES", metric))
                && alarm["Properties"]["Threshold"]
                    .as_f64()
                    .is_some_and(|t| t > 0.0 && t <= most)
        });
        if !alarmed {
            gaps.push(format!("no alarm on {metric} (at most {most})"));
        }
    }
    gaps
}

#[test]
fn bounces_and_complaints_of_the_mail_are_alarmed() {
    let template = template();
    assert!(!resources_of(&template, "AWS::SES::ConfigurationSet").is_empty());
    assert_eq!(mail_gaps(&template), Vec::<String>::new());

    let mut without = template.clone();
    for (destination, _) in resources_of(&template, "AWS::SES::ConfigurationSetEventDestination") {
        remove_resource(&mut without, destination);
    }
    assert_eq!(mail_gaps(&without).len(), 1, "{:?}", mail_gaps(&without));
    let mut without = template.clone();
    let (alarm, _) = alarms(&template)
        .into_iter()
        .find(|(_, a)| metrics(a).iter().any(|m| m.is("AWS/SES", "Complaint")))
        .expect("a complaint alarm");
    without["Resources"][alarm]["Properties"]["Threshold"] = Value::from(1.0);
    assert_eq!(mail_gaps(&without).len(), 1, "{:?}", mail_gaps(&without));
}

/// Alarms that do not notify an SNS topic of the template, or leave what
/// missing data means to the default.
fn alarms_not_notifying(template: &Value) -> Vec<String> {
    let topics: Vec<&str> = resources_of(template, "AWS::SNS::Topic")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let to_a_topic = |actions: &Value| {
        actions
            .as_sequence()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|v| topics.iter().any(|t| refers_to(v, t))))
    };
    alarms(template)
        .into_iter()
        .filter(|(_, alarm)| {
            let props = &alarm["Properties"];
            !to_a_topic(&props["AlarmActions"])
                || (!props["OKActions"].is_null() && !to_a_topic(&props["OKActions"]))
                || !matches!(
                    props["TreatMissingData"].as_str(),
                    Some("notBreaching" | "breaching" | "ignore" | "missing")
                )
        })
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[test]
fn every_alarm_notifies_the_operations_topic() {
    let template = template();
    let all = alarms(&template);
    assert!(all.len() > 10, "{}", all.len());
    assert_eq!(alarms_not_notifying(&template), Vec::<String>::new());
    // Its address is an output: more subscribers can be added by hand.
    let topics = resources_of(&template, "AWS::SNS::Topic");
    assert_eq!(topics.len(), 1);
    let topic = topics[0].0;
    assert!(
        template["Outputs"]
            .as_mapping()
            .unwrap()
            .values()
            .any(|o| refers_to(&o["Value"], topic)),
        "no output gives {topic}"
    );

    let mut without = template.clone();
    let (alarm, _) = all[all.len() / 2];
    without["Resources"][alarm]["Properties"]["AlarmActions"] = Value::Sequence(Vec::new());
    assert_eq!(alarms_not_notifying(&without), [alarm]);
}

type Parameters<'a> = BTreeMap<&'a str, &'a str>;

/// A parameter's value: given, else its default.
fn parameter(template: &Value, parameters: &Parameters, name: &str) -> String {
    match parameters.get(name) {
        Some(value) => (*value).to_owned(),
        None => template["Parameters"][name]["Default"]
            .as_str()
            .unwrap_or_else(|| panic!("parameter {name} has no default"))
            .to_owned(),
    }
}

fn condition_holds(template: &Value, parameters: &Parameters, name: &str) -> bool {
    let condition = &template["Conditions"][name];
    assert!(!condition.is_null(), "no condition {name}");
    evaluate(template, parameters, condition)
}

fn evaluate(template: &Value, parameters: &Parameters, expression: &Value) -> bool {
    let (function, argument) = intrinsic(expression).unwrap_or_else(|| panic!("a condition: {expression:?}"));
    let operands = || argument.as_sequence().expect("operands").iter();
    let scalar = |value: &Value| match intrinsic(value) {
        Some((f, name)) if f == "Ref" => parameter(template, parameters, name.as_str().unwrap()),
        _ => value.as_str().expect("a string").to_owned(),
    };
    match function.as_str() {
        "Not" => !evaluate(template, parameters, &argument[0]),
        "And" => operands().all(|c| evaluate(template, parameters, c)),
        "Or" => operands().any(|c| evaluate(template, parameters, c)),
        "Equals" => scalar(&argument[0]) == scalar(&argument[1]),
        "Condition" => condition_holds(template, parameters, argument.as_str().unwrap()),
        other => panic!("condition function {other}"),
    }
}

/// `value` as CloudFormation sees it with these parameters: `!If` decided,
/// `!Ref AWS::NoValue` dropped (`None` if `value` is it).
fn resolve(template: &Value, parameters: &Parameters, value: &Value) -> Option<Value> {
    match intrinsic(value) {
        Some((f, argument)) if f == "If" => {
            let branch = if condition_holds(template, parameters, argument[0].as_str().unwrap()) {
                &argument[1]
            } else {
                &argument[2]
            };
            return resolve(template, parameters, branch);
        }
        Some((f, argument)) if f == "Ref" && argument.as_str() == Some("AWS::NoValue") => return None,
        _ => {}
    }
    match value {
        Value::Mapping(mapping) => Some(Value::Mapping(
            mapping
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), resolve(template, parameters, v)?)))
                .collect::<Mapping>(),
        )),
        Value::Sequence(items) => Some(Value::Sequence(
            items
                .iter()
                .filter_map(|v| resolve(template, parameters, v))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

const DOMAIN_PARAMETERS: [&str; 3] = ["DomainName", "CertificateArn", "HostedZoneId"];

fn with_domain() -> Parameters<'static> {
    BTreeMap::from([
        ("DomainName", "desk.example.com"),
        (
            "CertificateArn",
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000000",
        ),
    ])
}

fn with_domain_and_zone() -> Parameters<'static> {
    let mut parameters = with_domain();
    parameters.insert("HostedZoneId", "Z0123456789ABCDEFGHIJ");
    parameters
}

/// Where the domain parameters are used on a path CloudFormation takes with
/// their defaults, and where a resource's property chosen on them (`!If`)
/// is something other than "no value" with the defaults: each is a change
/// to a stack without a custom domain. (An output may keep its old value
/// in the other branch.)
fn unconditional_domain_uses(template: &Value) -> Vec<String> {
    struct Walk<'t> {
        template: &'t Value,
        in_resources: bool,
        found: Vec<String>,
    }
    fn walk(w: &mut Walk, at: &str, value: &Value, guarded: bool) {
        let template = w.template;
        let defaults = Parameters::new();
        match intrinsic(value) {
            Some((f, argument)) if f == "If" => {
                let condition = argument[0].as_str().unwrap();
                let by_default = condition_holds(template, &defaults, condition);
                let domain_decides = by_default != condition_holds(template, &with_domain(), condition)
                    || by_default != condition_holds(template, &with_domain_and_zone(), condition);
                if domain_decides
                    && w.in_resources
                    && !guarded
                    && resolve(template, &defaults, value).is_some()
                {
                    w.found.push(format!(
                        "{at}: !If {condition} gives a value without a custom domain"
                    ));
                }
                let (taken, other) = if by_default { (1, 2) } else { (2, 1) };
                walk(w, at, &argument[taken], guarded);
                walk(w, at, &argument[other], true);
                return;
            }
            Some((f, argument)) if f == "Ref" => {
                let name = argument.as_str().unwrap_or_default();
                if !guarded && DOMAIN_PARAMETERS.contains(&name) {
                    w.found.push(format!("{at}: !Ref {name} without a condition"));
                }
                return;
            }
            Some((f, argument)) if f == "Sub" => {
                let text = argument
                    .as_str()
                    .or_else(|| argument[0].as_str())
                    .unwrap_or_default();
                for name in DOMAIN_PARAMETERS {
                    if !guarded && text.contains(&format!("${{{name}}}")) {
                        w.found
                            .push(format!("{at}: !Sub ${{{name}}} without a condition"));
                    }
                }
                if let Some(variables) = argument.get(1) {
                    walk(w, at, variables, guarded);
                }
                return;
            }
            _ => {}
        }
        match value {
            Value::Mapping(mapping) => {
                for (key, v) in mapping {
                    let key = key.as_str().unwrap_or_default();
                    walk(w, &format!("{at}.{key}"), v, guarded);
                }
            }
            Value::Sequence(items) => {
                for v in items {
                    walk(w, at, v, guarded);
                }
            }
            Value::Tagged(tagged) => walk(w, at, &tagged.value, guarded),
            _ => {}
        }
    }

    let defaults = Parameters::new();
    let mut w = Walk {
        template,
        in_resources: false,
        found: Vec::new(),
    };
    for section in ["Resources", "Outputs"] {
        w.in_resources = section == "Resources";
        for (name, item) in template[section].as_mapping().expect(section) {
            let name = name.as_str().unwrap();
            // A resource or output that exists only under a condition false by default.
            let guarded = item["Condition"]
                .as_str()
                .is_some_and(|c| !condition_holds(template, &defaults, c));
            walk(&mut w, name, item, guarded);
        }
    }
    w.found
}

#[test]
fn the_custom_domain_changes_nothing_unless_it_is_set() {
    let template = template();
    for name in DOMAIN_PARAMETERS {
        assert_eq!(
            parameter(&template, &Parameters::new(), name),
            "",
            "{name} defaults to empty"
        );
    }
    assert_eq!(unconditional_domain_uses(&template), Vec::<String>::new());

    // Without the parameters: the distribution as before (CloudFront's address and certificate).
    let config = &template["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"];
    let plain = resolve(&template, &Parameters::new(), config).unwrap();
    for property in ["Aliases", "ViewerCertificate", "IPV6Enabled"] {
        assert!(plain[property].is_null(), "{property} without a custom domain");
    }
    // With them: the domain, its certificate by SNI, TLS 1.2 at least.
    let custom = resolve(&template, &with_domain(), config).unwrap();
    assert!(
        refers_to(&custom["Aliases"][0], "DomainName"),
        "{:?}",
        custom["Aliases"]
    );
    let certificate = &custom["ViewerCertificate"];
    assert!(refers_to(&certificate["AcmCertificateArn"], "CertificateArn"));
    assert_eq!(certificate["SslSupportMethod"].as_str(), Some("sni-only"));
    assert_eq!(
        certificate["MinimumProtocolVersion"].as_str(),
        Some("TLSv1.2_2021")
    );
    // DNS records only with a hosted zone as well: A and AAAA to the distribution.
    let records = resources_of(&template, "AWS::Route53::RecordSet");
    let mut kinds: Vec<&str> = records
        .iter()
        .map(|(_, r)| r["Properties"]["Type"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["A", "AAAA"]);
    for (name, record) in records {
        let condition = record["Condition"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no condition"));
        assert!(
            !condition_holds(&template, &Parameters::new(), condition),
            "{name}"
        );
        assert!(!condition_holds(&template, &with_domain(), condition), "{name}");
        assert!(
            condition_holds(&template, &with_domain_and_zone(), condition),
            "{name}"
        );
        assert!(attribute_of(
            &record["Properties"]["AliasTarget"]["DNSName"],
            "WebDistribution",
            "DomainName"
        ));
    }

    let mut without = template.clone();
    without["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["Aliases"] =
        serde_yaml::from_str("[!Ref DomainName]").unwrap();
    assert_eq!(
        unconditional_domain_uses(&without),
        ["WebDistribution.Properties.DistributionConfig.Aliases: !Ref DomainName without a condition"]
    );
}

/// Email subscriptions to a topic that exist without an address set.
fn unconditional_subscriptions(template: &Value) -> Vec<String> {
    let email_set = BTreeMap::from([("AlarmEmail", "ops@example.com")]);
    resources_of(template, "AWS::SNS::Subscription")
        .into_iter()
        .filter(|(_, subscription)| {
            let props = &subscription["Properties"];
            let condition = subscription["Condition"].as_str();
            !(props["Protocol"].as_str() == Some("email")
                && refers_to(&props["Endpoint"], "AlarmEmail")
                && condition.is_some_and(|c| {
                    !condition_holds(template, &Parameters::new(), c)
                        && condition_holds(template, &email_set, c)
                }))
        })
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[test]
fn the_alarm_email_is_subscribed_only_when_it_is_set() {
    let template = template();
    assert_eq!(parameter(&template, &Parameters::new(), "AlarmEmail"), "");
    let subscriptions = resources_of(&template, "AWS::SNS::Subscription");
    assert_eq!(subscriptions.len(), 1);
    let topic = resources_of(&template, "AWS::SNS::Topic")[0].0;
    assert!(refers_to(&subscriptions[0].1["Properties"]["TopicArn"], topic));
    assert_eq!(unconditional_subscriptions(&template), Vec::<String>::new());

    let mut without = template.clone();
    let name = subscriptions[0].0;
    without["Resources"][name]
        .as_mapping_mut()
        .unwrap()
        .remove("Condition");
    assert_eq!(unconditional_subscriptions(&without), [name]);
}

/// What the access log may record: the request's route and timing, never
/// what it authenticates with (headers, query strings, authorizer output),
/// nor its path: a client still calling the retired `/access/<key>` would
/// write a live key into the log, and paths hold addresses.
const LOGGABLE: &[&str] = &[
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "identity.sourceIp",
    "httpMethod",
    "routeKey",
    "protocol",
    "status",
    "responseLength",
    "responseLatency",
    "integration.status",
    "integration.latency",
    "integration.error",
    "integrationErrorMessage",
    "error.message",
    "error.responseType",
];

/// What is wrong with each HTTP API's access log: missing, without a
/// retention, not one JSON object per line, or a variable off the list.
fn access_log_problems(template: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (api, resource) in resources_of(template, "AWS::Serverless::HttpApi") {
        let settings = &resource["Properties"]["AccessLogSettings"];
        let kept = resources_of(template, "AWS::Logs::LogGroup")
            .into_iter()
            .any(|(group, g)| {
                attribute_of(&settings["DestinationArn"], group, "Arn")
                    && g["Properties"]["RetentionInDays"].as_u64().is_some()
            });
        if !kept {
            problems.push(format!("{api}: no access log group with a retention"));
        }
        let Some(format) = settings["Format"].as_str() else {
            problems.push(format!("{api}: no access log format"));
            continue;
        };
        match serde_json::from_str::<serde_json::Value>(format) {
            Ok(serde_json::Value::Object(fields)) if fields.values().all(|v| v.is_string()) => {}
            _ => problems.push(format!("{api}: the format is not one JSON object of strings")),
        }
        // Every `$…` is a `$context.` variable on the list (no `$request.header…`, `$input`, `$stageVariables`).
        for (at, _) in format.match_indices('$') {
            let rest = &format[at + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            let variable = rest[..end].trim_end_matches('.');
            match variable.strip_prefix("context.") {
                Some(name) if LOGGABLE.contains(&name) => {}
                _ => problems.push(format!(
                    "{api}: ${variable} is not on the list of loggable variables"
                )),
            }
        }
    }
    problems
}

#[test]
fn the_api_access_log_records_no_credential() {
    let template = template();
    for name in LOGGABLE {
        let lower = name.to_lowercase();
        assert!(
            !["authorizer", "header", "querystring", "query", "apikey", "cookie"]
                .iter()
                .any(|word| lower.contains(word)),
            "{name} is not loggable"
        );
    }
    assert_eq!(access_log_problems(&template), Vec::<String>::new());
    let format = template["Resources"]["PortalApi"]["Properties"]["AccessLogSettings"]["Format"]
        .as_str()
        .unwrap();
    for needed in ["$context.requestId", "$context.status", "$context.routeKey"] {
        assert!(format.contains(needed), "{needed}");
    }

    // The path is logged: no route may carry a secret in it (the guest
    // access key travels in the Authorization header).
    let in_paths: Vec<String> = resources_of(&template, "AWS::Serverless::Function")
        .into_iter()
        .flat_map(|(_, f)| {
            f["Properties"]["Events"]
                .as_mapping()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|(_, event)| event["Type"].as_str() == Some("HttpApi"))
        .filter_map(|(_, event)| event["Properties"]["Path"].as_str().map(str::to_owned))
        .filter(|path| {
            path.split('/').any(|segment| {
                let segment = segment.to_lowercase();
                segment.starts_with('{')
                    && ["key", "token", "secret", "password"]
                        .iter()
                        .any(|word| segment.contains(word))
            })
        })
        .collect();
    assert_eq!(in_paths, Vec::<String>::new(), "secrets in logged paths");

    for (added, variable) in [
        (r#","sub":"$context.authorizer.claims.sub"}"#, "authorizer"),
        (r#","auth":"$request.header.Authorization"}"#, "header"),
    ] {
        let mut with = template.clone();
        let changed = format.strip_suffix('}').unwrap().to_owned() + added;
        with["Resources"]["PortalApi"]["Properties"]["AccessLogSettings"]["Format"] = Value::from(changed);
        assert_eq!(access_log_problems(&with).len(), 1, "with an {variable} variable");
    }
}
