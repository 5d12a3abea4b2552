//! `fleet-lint graph`: the fleet model as a tree per cluster (cluster -> Flux
//! Kustomizations -> HelmReleases, Alerts and Providers), as text, Mermaid,
//! Graphviz DOT or JSON.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::fleet::refs::chart_source;
use crate::fleet::{Cluster, Fleet, Owner, Placed};
use crate::source::SourceStore;

/// How `graph` prints the fleet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    /// An indented tree.
    Text,
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// JSON.
    Json,
}

impl GraphFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [GraphFormat; 4] = [
        GraphFormat::Text,
        GraphFormat::Mermaid,
        GraphFormat::Dot,
        GraphFormat::Json,
    ];

    /// The name users write (`--format mermaid`).
    pub fn name(self) -> &'static str {
        match self {
            GraphFormat::Text => "text",
            GraphFormat::Mermaid => "mermaid",
            GraphFormat::Dot => "dot",
            GraphFormat::Json => "json",
        }
    }
}

/// The kinds shown under each Flux Kustomization (besides the Kustomizations it builds).
fn shown(placed: &Placed) -> bool {
    placed.is_helm_release()
        || (matches!(placed.resource.kind(), "Alert" | "Provider")
            && placed.resource.group_version().0 == "notification.toolkit.fluxcd.io")
}

fn owner_label(owner: &Owner) -> String {
    match owner {
        Owner::Platform => "platform".into(),
        Owner::Tenant {
            name,
            privileged: true,
        } => format!("tenant {name}, privileged"),
        Owner::Tenant { name, .. } => format!("tenant {name}"),
    }
}

fn object_label(placed: &Placed) -> String {
    let r = &placed.resource;
    let provider = r
        .node
        .get_path(&["spec", "providerRef", "name"])
        .and_then(crate::yaml::Node::as_str);
    let chart = chart_source(r);
    let target = match (provider, chart) {
        (Some(p), _) => format!(" -> Provider {p}"),
        (None, Some(chart)) => format!(" (chart from {chart})"),
        (None, None) => String::new(),
    };
    format!("{} {}/{}{target}", r.kind(), r.namespace(), r.name())
}

fn sync_label(cluster: &Cluster, sync: usize) -> String {
    let s = &cluster.syncs[sync];
    let path = if s.path.is_empty() {
        "(not followed: source not in this repository, or path missing)"
    } else {
        &s.path
    };
    let remote = s.kube_config.as_ref().map_or(String::new(), |k| {
        format!(" (applied to the remote cluster of {k})")
    });
    format!("Kustomization {} -> {path}{remote}", s.id)
}

/// For a remote cluster, who applies to it and how.
fn remote_note(cluster: &Cluster) -> Option<String> {
    let remote = cluster.remote.as_ref()?;
    Some(format!(
        "remote: cluster {} applies to it through {}",
        remote.hub, remote.kube_config
    ))
}

/// The syncs no other sync of `cluster` builds: its root, or a remote
/// cluster's hub Kustomizations.
fn root_syncs(cluster: &Cluster) -> impl Iterator<Item = usize> + '_ {
    (0..cluster.syncs.len()).filter(|&s| cluster.syncs[s].parent.is_none())
}

/// Writes the graph of `fleet` in `format` to `out`.
pub fn render(
    fleet: &Fleet,
    store: &SourceStore,
    format: GraphFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let text = match format {
        GraphFormat::Text => text(fleet, store),
        GraphFormat::Mermaid => mermaid(fleet),
        GraphFormat::Dot => dot(fleet),
        GraphFormat::Json => json(fleet, store)?,
    };
    out.write_all(text.as_bytes())
}

/// Children of `sync`: (syncs it builds, objects shown).
fn children(cluster: &Cluster, sync: usize) -> (Vec<usize>, Vec<usize>) {
    let syncs = (0..cluster.syncs.len())
        .filter(|&s| cluster.syncs[s].parent == Some(sync))
        .collect();
    let objects = (0..cluster.objects.len())
        .filter(|&o| cluster.objects[o].sync == sync && shown(&cluster.objects[o]))
        .collect();
    (syncs, objects)
}

fn text(fleet: &Fleet, store: &SourceStore) -> String {
    let mut out = String::new();
    if fleet.clusters.is_empty() {
        out.push_str("no cluster found (fleet-lint explain no-entry-point)\n");
    }
    for cluster in &fleet.clusters {
        let (name, entry) = (&cluster.name, &cluster.entry);
        let _ = match remote_note(cluster) {
            Some(note) => writeln!(out, "cluster {name} ({entry}; {note})"),
            None => writeln!(out, "cluster {name} ({entry})"),
        };
        for root in root_syncs(cluster) {
            text_sync(cluster, root, 1, &mut out);
        }
    }
    if !fleet.unreachable.is_empty() {
        let _ = writeln!(out, "unreachable files ({}):", fleet.unreachable.len());
        for file in &fleet.unreachable {
            let _ = writeln!(out, "  {}", store.get(*file).path);
        }
    }
    for (source, _) in &fleet.external_sources {
        let _ = writeln!(out, "external source: {source}");
    }
    out
}

fn text_sync(cluster: &Cluster, sync: usize, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{indent}{} [{}]",
        sync_label(cluster, sync),
        owner_label(&cluster.syncs[sync].owner)
    );
    let (syncs, objects) = children(cluster, sync);
    for object in objects {
        let placed = &cluster.objects[object];
        let _ = writeln!(
            out,
            "{indent}  {} [{}]",
            object_label(placed),
            owner_label(&placed.owner)
        );
    }
    for child in syncs {
        text_sync(cluster, child, depth + 1, out);
    }
}

/// A node of the picture: id, label, and whether it is a cluster.
struct PictureNode {
    id: String,
    label: String,
    cluster: bool,
}

/// The nodes and edges (parent id, child id) of the picture formats, in order.
fn picture(fleet: &Fleet) -> (Vec<PictureNode>, Vec<(String, String)>) {
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for (c, cluster) in fleet.clusters.iter().enumerate() {
        nodes.push(PictureNode {
            id: format!("c{c}"),
            label: match remote_note(cluster) {
                Some(note) => format!("cluster {} ({note})", cluster.name),
                None => format!("cluster {}", cluster.name),
            },
            cluster: true,
        });
        for (s, sync) in cluster.syncs.iter().enumerate() {
            let id = format!("c{c}s{s}");
            nodes.push(PictureNode {
                id: id.clone(),
                label: sync_label(cluster, s),
                cluster: false,
            });
            edges.push((
                sync.parent.map_or(format!("c{c}"), |p| format!("c{c}s{p}")),
                id.clone(),
            ));
            for object in children(cluster, s).1 {
                let object_id = format!("c{c}o{object}");
                nodes.push(PictureNode {
                    id: object_id.clone(),
                    label: object_label(&cluster.objects[object]),
                    cluster: false,
                });
                edges.push((id.clone(), object_id));
            }
        }
    }
    (nodes, edges)
}

/// A Mermaid flowchart (each node declared just before its incoming edge).
fn mermaid(fleet: &Fleet) -> String {
    let (nodes, edges) = picture(fleet);
    let mut out = String::from("flowchart LR\n");
    if fleet.clusters.is_empty() {
        out.push_str("  %% no cluster found (fleet-lint explain no-entry-point)\n");
    }
    let mut edges = edges.into_iter().peekable();
    for node in nodes {
        let _ = writeln!(
            out,
            "  {}[\"{}\"]",
            node.id,
            node.label.replace('"', "#quot;")
        );
        if let Some((from, to)) = edges.next_if(|(_, to)| *to == node.id) {
            let _ = writeln!(out, "  {from} --> {to}");
        }
    }
    out
}

/// A Graphviz digraph.
fn dot(fleet: &Fleet) -> String {
    let (nodes, edges) = picture(fleet);
    let mut out = String::from("digraph fleet {\n  rankdir=LR;\n  node [shape=box];\n");
    if fleet.clusters.is_empty() {
        out.push_str("  // no cluster found (fleet-lint explain no-entry-point)\n");
    }
    let mut edges = edges.into_iter().peekable();
    for node in nodes {
        let label = node.label.replace('\\', "\\\\").replace('"', "\\\"");
        let shape = if node.cluster { ", shape=ellipse" } else { "" };
        let _ = writeln!(out, "  {} [label=\"{label}\"{shape}];", node.id);
        if let Some((from, to)) = edges.next_if(|(_, to)| *to == node.id) {
            let _ = writeln!(out, "  {from} -> {to};");
        }
    }
    out.push_str("}\n");
    out
}

#[derive(Serialize)]
struct JsonFleet<'a> {
    clusters: Vec<JsonCluster<'a>>,
    unreachable: Vec<&'a str>,
    external_sources: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonCluster<'a> {
    name: &'a str,
    entry: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    remote: Option<JsonRemote<'a>>,
    kustomizations: Vec<JsonSync<'a>>,
}

#[derive(Serialize)]
struct JsonRemote<'a> {
    hub: &'a str,
    kube_config: &'a str,
}

#[derive(Serialize)]
struct JsonSync<'a> {
    id: &'a str,
    path: &'a str,
    parent: Option<&'a str>,
    owner: String,
    depends_on: &'a [String],
    complete: bool,
    objects: Vec<JsonObject<'a>>,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
    owner: String,
    path: &'a str,
    line: u32,
}

fn json(fleet: &Fleet, store: &SourceStore) -> io::Result<String> {
    let clusters = fleet
        .clusters
        .iter()
        .map(|cluster| JsonCluster {
            name: &cluster.name,
            entry: &cluster.entry,
            remote: cluster.remote.as_ref().map(|r| JsonRemote {
                hub: &r.hub,
                kube_config: &r.kube_config,
            }),
            kustomizations: cluster
                .syncs
                .iter()
                .enumerate()
                .map(|(s, sync)| JsonSync {
                    id: &sync.id,
                    path: &sync.path,
                    parent: sync.parent.map(|p| cluster.syncs[p].id.as_str()),
                    owner: owner_label(&sync.owner),
                    depends_on: &sync.depends_on,
                    complete: sync.complete,
                    objects: cluster
                        .objects
                        .iter()
                        .filter(|o| o.sync == s)
                        .map(|o| JsonObject {
                            kind: o.resource.kind(),
                            namespace: o.resource.namespace(),
                            name: o.resource.name(),
                            owner: owner_label(&o.owner),
                            path: &store.get(o.resource.origin.file).path,
                            line: o.resource.node.headline().start.line,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let graph = JsonFleet {
        clusters,
        unreachable: fleet
            .unreachable
            .iter()
            .map(|f| &*store.get(*f).path)
            .collect(),
        external_sources: fleet
            .external_sources
            .iter()
            .map(|(s, _)| s.as_str())
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&graph).map_err(io::Error::other)?;
    text.push('\n');
    Ok(text)
}
