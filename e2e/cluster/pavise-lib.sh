# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034 # PAVISE_* are set for the scripts that source this
# pavise on the local cluster as host processes (sourced by scheduling-e2e and
# the demo): the webhook registered by URL on loopback, keeping its
# certificates in the Secret pavise-webhook-tls, and one pavise-enforcer
# per node, each with a token bound to a pod on that node. Needs KC (kubectl
# with the admin kubeconfig), OUT (pavise's build) and the variables of
# cluster.env.

# pavise_kubeconfig FILE TOKEN: a kubeconfig for a service-account token.
pavise_kubeconfig() {
	cat >"$1" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: "$PAVISE_APISERVER", certificate-authority: "$PAVISE_CLUSTER_CA"}}]
users: [{name: sa, user: {token: "$2"}}]
contexts: [{name: e2e, context: {cluster: e2e, user: sa, namespace: pavise-system}}]
current-context: e2e
YAML
}

# pavise_install: CRDs, namespace, service accounts, RBAC and the node
# restriction, from manifests/; no pavise.io/ node labels left over.
pavise_install() {
	$KC apply --server-side -f manifests/crds >/dev/null &&
		$KC apply -f manifests/namespace.yaml -f manifests/serviceaccounts.yaml \
			-f manifests/rbac-webhook.yaml -f manifests/rbac-enforcer.yaml \
			-f manifests/enforcer-node-restriction.yaml >/dev/null &&
		$KC wait --for condition=Established crd/varmorpolicies.crd.varmor.org \
			crd/varmorclusterpolicies.crd.varmor.org crd/armorprofiles.crd.varmor.org \
			--timeout=60s >/dev/null || return 1
	$KC label node --all pavise.io/enforcer- pavise.io/apparmor- pavise.io/bpf- \
		pavise.io/seccomp- >/dev/null 2>&1
	$KC -n pavise-system delete secret pavise-webhook-tls --ignore-not-found >/dev/null
	$KC -n pavise-system delete lease pavise-webhook-controller --ignore-not-found >/dev/null
}

# pavise_webhook_start WORK NAMESPACE: registers the webhook configurations
# (pods and VarmorPolicies of NAMESPACE, no caBundle: the webhook sets it)
# and starts pavise-webhook with its service account. Sets PAVISE_URL and
# PAVISE_WEBHOOK_PID; logs to WORK/webhook.log.
pavise_webhook_start() {
	local work=$1 ns=$2 port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	PAVISE_URL=https://127.0.0.1:$port
	pavise_kubeconfig "$work/webhook.kubeconfig" \
		"$($KC -n pavise-system create token pavise-webhook --duration=2h)"
	$KC apply -f - >/dev/null <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: pavise-mutating-webhook}
webhooks:
  - name: mutate.pavise.io
    clientConfig: {url: "$PAVISE_URL/mutate"}
    rules: [{apiGroups: ["", apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods, deployments]}]
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: $ns}}
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 10
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: pavise-validating-webhook}
webhooks:
  - name: validate.pavise.io
    clientConfig: {url: "$PAVISE_URL/validate"}
    rules: [{apiGroups: [crd.varmor.org], apiVersions: [v1beta1], operations: [CREATE, UPDATE], resources: [varmorpolicies]}]
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: $ns}}
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 10
YAML
	"$OUT/bin/pavise-webhook" --listen "127.0.0.1:$port" --kubeconfig "$work/webhook.kubeconfig" \
		--namespace pavise-system --cert-secret pavise-webhook-tls --cert-dir "$work/certs" \
		--cert-extra-san 127.0.0.1 --identity "pavise-$$" 2>>"$work/webhook.log" &
	PAVISE_WEBHOOK_PID=$!
}

# pavise_webhook_stop: unregisters the configurations (cleanup).
pavise_webhook_unregister() {
	$KC delete mutatingwebhookconfiguration pavise-mutating-webhook --ignore-not-found >/dev/null 2>&1
	$KC delete validatingwebhookconfiguration pavise-validating-webhook --ignore-not-found >/dev/null 2>&1
}

# pavise_enforcer_start WORK NODE [HOST-ROOT]: pavise-enforcer for NODE,
# watching the API server and reporting to PAVISE_URL with a token bound to a
# pod on NODE (the node restriction checks its node-name claim). HOST-ROOT
# makes it see another kernel (an empty directory: one that can enforce
# nothing). Sets PAVISE_ENFORCER_PID; logs to WORK/enforcer-NODE.log.
pavise_enforcer_start() {
	local work=$1 node=$2 root=${3:-} d=$1/enf-$2 token
	mkdir -p "$d/seccomp" "$d/state" "$d/runc"
	$KC -n pavise-system get secret pavise-webhook-tls -o 'jsonpath={.data.ca\.crt}' | base64 -d >"$d/ca.crt"
	$KC -n pavise-system apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: enf-$node, labels: {pavise-e2e: host-enforcer}}
spec:
  nodeName: $node
  serviceAccountName: pavise-enforcer
  containers: [{name: enforcer, image: pavise/pavise-enforcer}]
YAML
	token=$($KC -n pavise-system create token pavise-enforcer --duration=2h \
		--bound-object-kind Pod --bound-object-name "enf-$node")
	pavise_kubeconfig "$d/kubeconfig" "$token"
	printf '%s' "$token" >"$d/token"
	"$OUT/bin/pavise-enforcer" --kubeconfig "$d/kubeconfig" --node-name "$node" \
		--status-url "$PAVISE_URL/v1/node-status" --status-ca "$d/ca.crt" --status-token-file "$d/token" \
		--state-dir "$d/state" --seccomp-dir "$d/seccomp" --bpf-pin-dir "$d/pins" \
		--bind-socket "$d/bind.sock" --runc-root "$d/runc" --listen 127.0.0.1:0 \
		${root:+--host-root "$root"} 2>>"$work/enforcer-$node.log" &
	PAVISE_ENFORCER_PID=$!
}

# pavise_uninstall_leftovers: what the host processes left in the cluster.
pavise_uninstall_leftovers() {
	pavise_webhook_unregister
	$KC -n pavise-system delete pod -l pavise-e2e=host-enforcer --ignore-not-found --wait=false >/dev/null 2>&1
	$KC label node --all pavise.io/enforcer- pavise.io/apparmor- pavise.io/bpf- pavise.io/seccomp- >/dev/null 2>&1
}
