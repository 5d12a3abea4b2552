//! The repository's own `ValidatingAdmissionPolicy` objects, run offline: on
//! every cluster where a policy and a `ValidatingAdmissionPolicyBinding` of
//! it land, every object that lands on the same cluster is judged as the API
//! server judges its creation (`matchConstraints`, the binding's
//! `matchResources`, `paramRef`, `matchConditions`, `variables`,
//! `validations`, `failurePolicy`, `validationActions`). A denial is a
//! finding of the rule named after the policy; an expression fleet-lint's
//! CEL engine cannot evaluate is `policy-not-evaluated` info at its line.
//!
//! Matching is in [`matching`], CEL in [`expr`].

mod expr;
mod matching;

use std::collections::{BTreeMap, HashMap};

use cel::{Context, Value};
use rayon::prelude::*;

use crate::diag::{Finding, Rule, Severity};
use crate::fleet::{Cluster, Fleet, Placed};
use crate::kustomize::kustomize_treats_as_cluster_scoped;
use crate::rules::{RuleContext, RuleId, UserRuleInfo, landing};
use crate::source::Span;
use crate::yaml::Node;
use expr::{Expr, Outcome};
use matching::{LabelSelector, Match, Request};

const GROUP: &str = "admissionregistration.k8s.io";
const POLICY_KIND: &str = "ValidatingAdmissionPolicy";
const BINDING_KIND: &str = "ValidatingAdmissionPolicyBinding";

/// The rules the fleet's admission policies make, one per policy name (in
/// name order): what `--select`, the config and reports know them by.
pub(crate) fn policy_rules(fleet: &Fleet) -> Vec<UserRuleInfo> {
    let mut by_name: BTreeMap<&str, &Placed> = BTreeMap::new();
    for placed in fleet.clusters.iter().flat_map(|c| &c.objects) {
        if is_of(placed, POLICY_KIND) {
            by_name.entry(placed.resource.name()).or_insert(placed);
        }
    }
    by_name
        .into_iter()
        .map(|(name, placed)| UserRuleInfo {
            id: name.to_string(),
            severity: Severity::Error,
            summary: format!("ValidatingAdmissionPolicy {name}, evaluated offline"),
            help: None,
            at: placed.resource.node.headline(),
        })
        .collect()
}

/// Every denial of every bound policy on every cluster, and one
/// `policy-not-evaluated` finding per expression the engine cannot evaluate.
pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut unevaluated: BTreeMap<SpanKey, (Span, String)> = BTreeMap::new();
    for cluster in &ctx.fleet.clusters {
        let (policies, bindings, problems) = bound_policies(cluster);
        for (span, why) in problems {
            unevaluated.entry(SpanKey::of(span)).or_insert((span, why));
        }
        if bindings.is_empty() {
            continue;
        }
        let on_cluster = OnCluster::new(cluster, &policies);
        let verdicts: Vec<Vec<Verdict>> = cluster
            .objects
            .par_iter()
            .map_init(expr::root_context, |root, placed| {
                on_cluster.judge(root, placed, &policies, &bindings)
            })
            .collect();
        for verdict in verdicts.into_iter().flatten() {
            match verdict {
                Verdict::Denied(finding) => findings.push(*finding),
                Verdict::Unsupported(span, why) => {
                    unevaluated.entry(SpanKey::of(span)).or_insert((span, why));
                }
            }
        }
    }
    findings.extend(unevaluated.into_values().map(|(span, why)| {
        Finding::new(RuleId::PolicyNotEvaluated, Severity::Info, span, why).with_help(
            "the API server evaluates it at admission; fleet-lint skips what it cannot evaluate, so objects it would deny are not reported",
        )
    }));
    findings
}

/// Spans in file order, for a deterministic `policy-not-evaluated` order.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct SpanKey(u32, u32, u32);

impl SpanKey {
    fn of(span: Span) -> SpanKey {
        SpanKey(span.file.0, span.start.offset, span.end.offset)
    }
}

fn is_of(placed: &Placed, kind: &str) -> bool {
    placed.resource.kind() == kind && placed.resource.group_version().0 == GROUP
}

/// A policy as compiled on one cluster.
struct Policy<'c> {
    name: &'c str,
    /// `failurePolicy: Fail` (the default): an error denies the request.
    fails_closed: bool,
    constraints: Match,
    conditions: Vec<Expr>,
    variables: Vec<(&'c str, Expr)>,
    validations: Vec<Validation>,
    /// `paramKind`: (apiVersion, kind).
    param_kind: Option<(&'c str, &'c str)>,
    /// The parts of the object its expressions read (`None`: all of it).
    object_paths: Option<Vec<Vec<String>>>,
    /// The top-level variables its expressions read (`object`, `params`, ...).
    reads: Vec<&'static str>,
}

/// The variables the API server gives an admission expression that a scope
/// holds only when the policy reads them (`variables`, the policy's own, is
/// always there; `authorizer` is not available offline).
const VARIABLES: [&str; 5] = [
    "object",
    "oldObject",
    "request",
    "namespaceObject",
    "params",
];

impl Policy<'_> {
    /// The policy, knowing what its expressions read.
    fn read_what_it_reads(mut policy: Policy) -> Policy {
        policy.object_paths = expr::object_paths(policy.expressions().map(|e| e.source.as_str()));
        policy.reads = VARIABLES
            .into_iter()
            .filter(|v| {
                policy
                    .expressions()
                    .any(|e| e.program.references().has_variable(v))
            })
            .collect();
        policy
    }

    /// Every expression of the policy.
    fn expressions(&self) -> impl Iterator<Item = &Expr> {
        self.conditions
            .iter()
            .chain(self.variables.iter().map(|(_, e)| e))
            .chain(
                self.validations
                    .iter()
                    .flat_map(|v| std::iter::once(&v.expr).chain(&v.message_expr)),
            )
    }

    fn reads(&self, variable: &str) -> bool {
        self.reads.contains(&variable)
    }
}

struct Validation {
    expr: Expr,
    message: Option<String>,
    message_expr: Option<Expr>,
}

/// A binding of a policy that lands on the same cluster.
struct Binding<'c> {
    name: &'c str,
    /// Index in the cluster's policies.
    policy: usize,
    params: Option<ParamRef<'c>>,
    /// `validationActions` holds `Deny` (else `Warn` / `Audit`: a warning).
    denies: bool,
    resources: Match,
    at: Span,
}

struct ParamRef<'c> {
    name: Option<&'c str>,
    namespace: Option<&'c str>,
    selector: Option<LabelSelector>,
    /// `parameterNotFoundAction: Deny` (the default).
    deny_when_missing: bool,
    at: Span,
}

/// The policies and bindings on `cluster` that fleet-lint can evaluate, and
/// where the others hold what it cannot (a policy with one such expression
/// is not evaluated at all).
fn bound_policies(cluster: &Cluster) -> (Vec<Policy<'_>>, Vec<Binding<'_>>, Vec<(Span, String)>) {
    let mut problems = Vec::new();
    let mut policies = Vec::new();
    for placed in cluster.objects.iter().filter(|p| is_of(p, POLICY_KIND)) {
        match compile_policy(&placed.resource.node, placed.resource.name()) {
            Ok(policy) => policies.push(policy),
            Err(mut found) => problems.append(&mut found),
        }
    }
    let bindings = cluster
        .objects
        .iter()
        .filter(|p| is_of(p, BINDING_KIND))
        .filter_map(
            |p| match read_binding(&p.resource.node, p.resource.name(), &policies) {
                Ok(binding) => binding,
                Err(problem) => {
                    problems.push(problem);
                    None
                }
            },
        )
        .collect();
    (policies, bindings, problems)
}

fn compile_policy<'c>(node: &'c Node, name: &'c str) -> Result<Policy<'c>, Vec<(Span, String)>> {
    let spec = node.get("spec");
    let list = |key: &str| {
        spec.and_then(|s| s.get(key))
            .and_then(Node::as_seq)
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    let why = |what: &str, reason: String| {
        format!(
            "ValidatingAdmissionPolicy {name}: fleet-lint cannot evaluate this {what} ({reason}), so the policy is not evaluated"
        )
    };
    let mut compile = |what: &str, node: Option<&Node>| -> Option<Expr> {
        match node.map(Expr::compile) {
            Some(Ok(expr)) => Some(expr),
            Some(Err((span, reason))) => {
                problems.push((span, why(what, reason)));
                None
            }
            None => None,
        }
    };
    let conditions: Vec<Expr> = list("matchConditions")
        .iter()
        .filter_map(|c| compile("match condition", c.get("expression")))
        .collect();
    let variables: Vec<(&str, Expr)> = list("variables")
        .iter()
        .filter_map(|v| {
            let name = v.get("name").and_then(Node::as_str)?;
            Some((name, compile("variable", v.get("expression"))?))
        })
        .collect();
    let validations: Vec<Validation> = list("validations")
        .iter()
        .filter_map(|v| {
            let expr = compile("validation", v.get("expression"))?;
            let message_expr = v
                .get("messageExpression")
                .and_then(|m| compile("message expression", Some(m)));
            Some(Validation {
                expr,
                message: v.get("message").and_then(Node::as_str).map(str::to_string),
                message_expr,
            })
        })
        .collect();
    let constraints = spec.and_then(|s| s.get("matchConstraints"));
    let constraints = Match::parse(constraints).map_err(|(span, reason)| {
        problems.push((span, why("match constraint", reason)));
    });
    let param_kind = spec.and_then(|s| s.get("paramKind")).map(|p| {
        let text = |key| p.get(key).and_then(Node::as_str).unwrap_or_default();
        (text("apiVersion"), text("kind"))
    });
    match constraints {
        Ok(constraints) if problems.is_empty() => Ok(Policy::read_what_it_reads(Policy {
            name,
            fails_closed: spec
                .and_then(|s| s.get("failurePolicy"))
                .and_then(Node::as_str)
                != Some("Ignore"),
            constraints,
            conditions,
            variables,
            validations,
            param_kind,
            object_paths: None,
            reads: Vec::new(),
        })),
        _ => Err(problems),
    }
}

/// The binding, `None` when its policy is not on the cluster (the API server
/// ignores it too) or could not be compiled.
fn read_binding<'c>(
    node: &'c Node,
    name: &'c str,
    policies: &[Policy],
) -> Result<Option<Binding<'c>>, (Span, String)> {
    let spec = node.get("spec");
    let policy_name = spec
        .and_then(|s| s.get("policyName"))
        .and_then(Node::as_str);
    let Some(policy) = policies.iter().position(|p| Some(p.name) == policy_name) else {
        return Ok(None);
    };
    let resources = Match::parse(spec.and_then(|s| s.get("matchResources")))
        .map_err(|(span, reason)| (span, not_read(name, &reason)))?;
    let params = match spec.and_then(|s| s.get("paramRef")) {
        None => None,
        Some(param_ref) => {
            let selector = param_ref
                .get("selector")
                .map(LabelSelector::parse)
                .transpose()
                .map_err(|(span, reason)| (span, not_read(name, &reason)))?;
            let text = |key| param_ref.get(key).and_then(Node::as_str);
            Some(ParamRef {
                name: text("name"),
                namespace: text("namespace"),
                selector,
                deny_when_missing: text("parameterNotFoundAction") != Some("Allow"),
                at: param_ref.span,
            })
        }
    };
    let actions = spec
        .and_then(|s| s.get("validationActions"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let denies = actions.is_empty() || actions.iter().any(|a| a.as_str() == Some("Deny"));
    Ok(Some(Binding {
        name,
        policy,
        params,
        denies,
        resources,
        at: node.headline(),
    }))
}

/// What judging one object found.
enum Verdict {
    Denied(Box<Finding>),
    Unsupported(Span, String),
}

/// An object a `paramRef` may name, and its value.
type Param<'c> = (&'c Placed, Value);

/// What every judgement on one cluster reads, made once per cluster: the
/// cluster, its Namespaces (and their values), and the objects of every
/// `paramKind` by namespace (and their values).
struct OnCluster<'c> {
    cluster: &'c Cluster,
    namespaces: HashMap<&'c str, (&'c Placed, Value)>,
    /// (apiVersion, kind, namespace) -> the objects a `paramRef` may name.
    params: HashMap<(&'c str, &'c str, &'c str), Vec<Param<'c>>>,
}

/// The request to create one object, and the values its expressions read.
struct Subject<'a> {
    placed: &'a Placed,
    namespace: &'a str,
    node: &'a Node,
    request_value: Value,
    namespace_object: Value,
}

impl<'c> OnCluster<'c> {
    fn new(cluster: &'c Cluster, policies: &[Policy<'c>]) -> OnCluster<'c> {
        let namespaces = cluster
            .objects
            .iter()
            .filter(|p| p.resource.kind() == "Namespace" && p.resource.api_version() == "v1")
            .map(|p| (p.resource.name(), (p, expr::value_of(&p.resource.node))))
            .collect();
        let param_kinds: Vec<(&str, &str)> = policies.iter().filter_map(|p| p.param_kind).collect();
        let mut params: HashMap<_, Vec<_>> = HashMap::new();
        for placed in &cluster.objects {
            let resource = &placed.resource;
            let kind = (resource.api_version(), resource.kind());
            if param_kinds.contains(&kind) {
                params
                    .entry((kind.0, kind.1, resource.namespace()))
                    .or_default()
                    .push((placed, expr::value_of(&resource.node)));
            }
        }
        OnCluster {
            cluster,
            namespaces,
            params,
        }
    }

    /// Every binding's verdict on `placed`.
    fn judge(
        &self,
        root: &mut Context<'static>,
        placed: &'c Placed,
        policies: &[Policy],
        bindings: &[Binding],
    ) -> Vec<Verdict> {
        let request = self.request(placed);
        let matching: Vec<&Binding> = bindings
            .iter()
            .filter(|b| {
                policies[b.policy].constraints.constrains(&request) && b.resources.binds(&request)
            })
            .collect();
        if matching.is_empty() {
            return Vec::new();
        }
        let subject = self.subject(placed, &request);
        matching
            .into_iter()
            .filter_map(|binding| {
                self.judge_binding(root, &subject, &policies[binding.policy], binding)
            })
            .collect()
    }

    fn request(&self, placed: &'c Placed) -> Request<'c> {
        let resource = &placed.resource;
        let (group, version) = resource.group_version();
        let namespaced = !kustomize_treats_as_cluster_scoped(resource.kind());
        let namespace_labels = if resource.kind() == "Namespace" {
            Some(namespace_labels(resource.name(), Some(placed)))
        } else if namespaced {
            let namespace = namespace_of(placed);
            Some(namespace_labels(
                namespace,
                self.namespaces.get(namespace).map(|(ns, _)| *ns),
            ))
        } else {
            None
        };
        Request {
            group,
            version,
            resource: matching::resource_of(resource.kind()),
            name: resource.name(),
            namespaced,
            labels: matching::labels_of(&resource.node),
            namespace_labels,
        }
    }

    fn subject(&self, placed: &'c Placed, request: &Request) -> Subject<'c> {
        let resource = &placed.resource;
        let namespace = if request.namespaced {
            namespace_of(placed)
        } else {
            ""
        };
        let (group, version) = resource.group_version();
        let user = self.applier(placed);
        let user_namespace = user.split(':').nth(2).unwrap_or_default().to_string();
        let request_value = expr::map_of([
            ("operation", expr::string("CREATE")),
            ("name", expr::string(resource.name())),
            ("namespace", expr::string(namespace)),
            ("dryRun", Value::Bool(false)),
            (
                "kind",
                expr::map_of([
                    ("group", expr::string(group)),
                    ("version", expr::string(version)),
                    ("kind", expr::string(resource.kind())),
                ]),
            ),
            (
                "resource",
                expr::map_of([
                    ("group", expr::string(group)),
                    ("version", expr::string(version)),
                    ("resource", expr::string(&request.resource)),
                ]),
            ),
            (
                "userInfo",
                expr::map_of([
                    ("username", expr::string(&user)),
                    (
                        "groups",
                        Value::List(std::sync::Arc::new(vec![
                            expr::string("system:serviceaccounts"),
                            expr::string(&format!("system:serviceaccounts:{user_namespace}")),
                            expr::string("system:authenticated"),
                        ])),
                    ),
                ]),
            ),
        ]);
        let namespace_object = self
            .namespaces
            .get(namespace)
            .map_or(Value::Null, |(_, value)| value.clone());
        Subject {
            placed,
            node: &resource.node,
            namespace,
            request_value,
            namespace_object,
        }
    }

    /// The identity Flux applies `placed` with: the ServiceAccount its
    /// Kustomization impersonates, else the cluster's default one, else
    /// kustomize-controller's own.
    fn applier(&self, placed: &Placed) -> String {
        let cluster = self.cluster;
        let definition = cluster
            .syncs
            .get(placed.sync)
            .and_then(|s| s.definition(cluster));
        let Some(definition) = definition else {
            return "system:serviceaccount:flux-system:kustomize-controller".into();
        };
        let namespace = match definition.namespace() {
            "" => "flux-system",
            namespace => namespace,
        };
        let account = definition
            .node
            .get_path(&["spec", "serviceAccountName"])
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .or_else(|| {
                cluster
                    .lockdown
                    .default_service_account("kustomize-controller")
            });
        match account {
            Some(account) => format!("system:serviceaccount:{namespace}:{account}"),
            None => "system:serviceaccount:flux-system:kustomize-controller".into(),
        }
    }

    /// The binding's verdict on `subject`, if it denies or cannot tell.
    fn judge_binding(
        &self,
        root: &Context<'static>,
        subject: &Subject,
        policy: &Policy,
        binding: &Binding,
    ) -> Option<Verdict> {
        let params = match (policy.param_kind, &binding.params) {
            (None, _) => vec![None],
            (Some(_), None) => {
                let why = format!(
                    "binding {} sets no paramRef, and the policy reads a parameter (paramKind)",
                    binding.name
                );
                return self.failed(subject, policy, binding, binding.at, why);
            }
            (Some(kind), Some(param_ref)) => {
                let found = self.params(subject, kind, param_ref);
                if found.is_empty() {
                    if !param_ref.deny_when_missing {
                        return None;
                    }
                    let why = format!(
                        "no parameter of binding {} is on cluster {} (parameterNotFoundAction: Deny)",
                        binding.name, self.cluster.name
                    );
                    return self.failed(subject, policy, binding, param_ref.at, why);
                }
                found.into_iter().map(Some).collect()
            }
        };
        params.into_iter().find_map(|param| {
            // Only what the policy reads: each value is copied into the scope.
            let mut scope = root.new_inner_scope();
            if policy.reads("object") {
                let object = match &policy.object_paths {
                    Some(paths) => expr::pruned_value_of(subject.node, paths),
                    None => expr::value_of(subject.node),
                };
                scope.add_variable_from_value("object", object);
            }
            if policy.reads("oldObject") {
                scope.add_variable_from_value("oldObject", Value::Null);
            }
            if policy.reads("request") {
                scope.add_variable_from_value("request", subject.request_value.clone());
            }
            if policy.reads("namespaceObject") {
                scope.add_variable_from_value("namespaceObject", subject.namespace_object.clone());
            }
            if policy.reads("params") {
                let param_value = param.map_or(Value::Null, |(_, value)| value.clone());
                scope.add_variable_from_value("params", param_value);
            }
            self.evaluate(&mut scope, subject, policy, binding, param.map(|(p, _)| *p))
        })
    }

    /// The objects of `kind` that `param_ref` names for `subject`, with their values.
    fn params<'a>(
        &'a self,
        subject: &'a Subject,
        (api_version, kind): (&'a str, &'a str),
        param_ref: &'a ParamRef,
    ) -> Vec<&'a Param<'a>> {
        let namespace = param_ref.namespace.unwrap_or(subject.namespace);
        let candidates = self.params.get(&(api_version, kind, namespace));
        candidates
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|(p, _)| param_ref.name.is_none_or(|n| p.resource.name() == n))
            .filter(|(p, _)| {
                let labels = || matching::labels_of(&p.resource.node);
                param_ref
                    .selector
                    .as_ref()
                    .is_none_or(|s| s.matches(&labels()))
            })
            .collect()
    }

    /// Runs the policy's conditions, variables and validations in `scope`.
    fn evaluate(
        &self,
        scope: &mut Context,
        subject: &Subject,
        policy: &Policy,
        binding: &Binding,
        param: Option<&Placed>,
    ) -> Option<Verdict> {
        for condition in &policy.conditions {
            match expr::evaluate(condition, scope) {
                Outcome::Value(Value::Bool(true)) => {}
                Outcome::Value(Value::Bool(false)) => return None,
                Outcome::Value(_) => {
                    return self.failed(
                        subject,
                        policy,
                        binding,
                        condition.at,
                        "a match condition is not a bool".into(),
                    );
                }
                Outcome::Failed(why) => {
                    return self.failed(subject, policy, binding, condition.at, why);
                }
                Outcome::Unsupported(why) => {
                    return Some(Verdict::Unsupported(
                        condition.at,
                        unsupported(policy, &why),
                    ));
                }
            }
        }
        let mut variables: Vec<(&str, Value)> = Vec::new();
        let mut variable_errors: HashMap<&str, (Span, Outcome)> = HashMap::new();
        for (name, variable) in &policy.variables {
            scope.add_variable_from_value("variables", expr::map_of(variables.iter().cloned()));
            match expr::evaluate(variable, scope) {
                Outcome::Value(value) => variables.push((name, value)),
                other => {
                    variable_errors.insert(name, (variable.at, other));
                }
            }
        }
        scope.add_variable_from_value("variables", expr::map_of(variables.iter().cloned()));
        for validation in &policy.validations {
            let broken_variable = validation
                .expr
                .variables_read()
                .into_iter()
                .find_map(|v| variable_errors.get(v));
            let outcome = match broken_variable {
                Some((at, Outcome::Unsupported(why))) => {
                    return Some(Verdict::Unsupported(*at, unsupported(policy, why)));
                }
                Some((at, Outcome::Failed(why))) => {
                    return self.failed(subject, policy, binding, *at, why.clone());
                }
                _ => expr::evaluate(&validation.expr, scope),
            };
            match outcome {
                Outcome::Value(Value::Bool(true)) => {}
                Outcome::Value(Value::Bool(false)) => {
                    let message = self.message(scope, subject, policy, validation);
                    return Some(self.denial(subject, policy, binding, validation, message, param));
                }
                Outcome::Value(_) => {
                    return self.failed(
                        subject,
                        policy,
                        binding,
                        validation.expr.at,
                        "a validation is not a bool".into(),
                    );
                }
                Outcome::Failed(why) => {
                    return self.failed(subject, policy, binding, validation.expr.at, why);
                }
                Outcome::Unsupported(why) => {
                    return Some(Verdict::Unsupported(
                        validation.expr.at,
                        unsupported(policy, &why),
                    ));
                }
            }
        }
        None
    }

    /// The validation's message: its `messageExpression`'s string (never for
    /// a Secret, whose values it could print), else `message`, else the
    /// API server's default.
    fn message(
        &self,
        scope: &Context,
        subject: &Subject,
        policy: &Policy,
        validation: &Validation,
    ) -> String {
        let from_expression = validation
            .message_expr
            .as_ref()
            .filter(|_| !reads_secret(subject, policy))
            .and_then(|m| match expr::evaluate(m, scope) {
                Outcome::Value(Value::String(text)) if !text.trim().is_empty() => {
                    Some(text.trim().to_string())
                }
                _ => None,
            });
        from_expression
            .or_else(|| validation.message.clone())
            .unwrap_or_else(|| format!("failed expression: {}", validation.expr.source))
    }

    /// A validation that returned false.
    fn denial(
        &self,
        subject: &Subject,
        policy: &Policy,
        binding: &Binding,
        validation: &Validation,
        message: String,
        param: Option<&Placed>,
    ) -> Verdict {
        let node = &subject.placed.resource.node;
        let mut paths = expr::dotted_paths(&validation.expr.source, "object");
        for name in validation.expr.variables_read() {
            if let Some((_, variable)) = policy.variables.iter().find(|(n, _)| *n == name) {
                paths.extend(expr::dotted_paths(&variable.source, "object"));
            }
        }
        paths.sort();
        paths.dedup();
        let span = match paths.as_slice() {
            [path] => node
                .get_path(path)
                .map_or_else(|| node.headline(), |n| n.span),
            _ => node.headline(),
        };
        let finding = self
            .finding(subject, policy, binding, span, message)
            .with_related(
                validation.expr.at,
                format!(
                    "the validation of ValidatingAdmissionPolicy {}",
                    policy.name
                ),
            );
        let finding = match param {
            Some(p) => finding.with_related(
                p.resource.node.headline(),
                format!("the parameter binding {} reads", binding.name),
            ),
            None => finding,
        };
        Verdict::Denied(Box::new(self.landed(finding, subject)))
    }

    /// An error while evaluating: under `failurePolicy: Fail` the API server
    /// denies the request, under `Ignore` it lets it through.
    fn failed(
        &self,
        subject: &Subject,
        policy: &Policy,
        binding: &Binding,
        at: Span,
        why: String,
    ) -> Option<Verdict> {
        if !policy.fails_closed {
            return None;
        }
        let span = subject.placed.resource.node.headline();
        // An evaluation error may quote the values it met.
        let why = if reads_secret(subject, policy) {
            "an expression fails on it (the error is not shown: it may quote a Secret's values)"
        } else {
            &why
        };
        let message =
            format!("the policy cannot be evaluated on it, and its failurePolicy is Fail: {why}");
        let finding = self
            .finding(subject, policy, binding, span, message)
            .with_related(at, "what fails");
        Some(Verdict::Denied(Box::new(self.landed(finding, subject))))
    }

    fn finding(
        &self,
        subject: &Subject,
        policy: &Policy,
        binding: &Binding,
        span: Span,
        message: String,
    ) -> Finding {
        let (severity, verb, help) = if binding.denies {
            (
                Severity::Error,
                "denies",
                "the API server refuses to create it (validationActions: Deny), and Flux's apply fails; change the object, or the policy's parameters",
            )
        } else {
            (
                Severity::Warning,
                "warns about",
                "the API server creates it with a warning or an audit event (validationActions: Warn, Audit)",
            )
        };
        Finding::new(
            Rule::User(policy.name.into()),
            severity,
            span,
            format!(
                "ValidatingAdmissionPolicy {} (binding {}) {verb} {}: {message}",
                policy.name,
                binding.name,
                subject.placed.resource.describe()
            ),
        )
        .with_help(help)
        .with_related(binding.at, "the binding that applies the policy")
    }

    fn landed(&self, finding: Finding, subject: &Subject) -> Finding {
        let (span, landed) = landing(self.cluster, subject.placed);
        finding
            .with_related(span, landed)
            .with_tenant(subject.placed.owner.tenant())
    }
}

fn not_read(binding: &str, reason: &str) -> String {
    format!(
        "ValidatingAdmissionPolicyBinding {binding}: fleet-lint cannot read {reason}, so the binding is not evaluated"
    )
}

fn unsupported(policy: &Policy, why: &str) -> String {
    format!(
        "ValidatingAdmissionPolicy {}: {why}; the expression is not evaluated",
        policy.name
    )
}

/// Whether the policy's expressions may read a Secret's values on `subject`
/// (it is one, or the policy's parameters are Secrets): then no text an
/// expression makes (a `messageExpression`, an error) is shown.
fn reads_secret(subject: &Subject, policy: &Policy) -> bool {
    subject.placed.resource.kind() == "Secret"
        || policy.param_kind.is_some_and(|(_, kind)| kind == "Secret")
}

/// The namespace an object is created in (`default` when it names none).
fn namespace_of(placed: &Placed) -> &str {
    match placed.resource.namespace() {
        "" => "default",
        namespace => namespace,
    }
}

/// A Namespace's labels, with the `kubernetes.io/metadata.name` label the
/// API server sets on every Namespace.
fn namespace_labels<'a>(
    name: &'a str,
    namespace: Option<&'a Placed>,
) -> BTreeMap<&'a str, &'a str> {
    let mut labels =
        namespace.map_or_else(BTreeMap::new, |ns| matching::labels_of(&ns.resource.node));
    labels.insert("kubernetes.io/metadata.name", name);
    labels
}
