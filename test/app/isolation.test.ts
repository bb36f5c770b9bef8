import { PodSecurityLevel } from '../../lib';
import { podSecurityViolations } from '../../lib/core/pod-security';
import { sparkPods } from '../../lib/jobs/spark-pods';
import { distDocs } from '../support/dist-docs';
import { NetworkPolicyEvaluator, PodEndpoint } from '../support/network-policy';
import { ofKind } from '../support/synth';

// The seed platform's isolation, evaluated over dist/ as the cluster would: pod security without
// the operator's webhook, and the operator's namespace closed to everything but what it needs.
const docs = distDocs();
const apps = ofKind(docs, 'SparkApplication');

describe('Spark pods without the operator\'s webhook', () => {
  test.each(apps.map((a) => [`${a.metadata.namespace}/${a.metadata.name}`, a]))('%s: driver and executor pods meet restricted from the pod templates alone', (_name, app) => {
    const namespace = docs.find((d) => d.kind === 'Namespace' && d.metadata.name === app.metadata.namespace);
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const { role, pod } of sparkPods(app.spec, { webhook: false })) {
      expect([role, podSecurityViolations(PodSecurityLevel.RESTRICTED, pod)]).toEqual([role, []]);
      // The uid is in the template, so the kubelet can check the image's named user is not root.
      expect(pod.securityContext?.runAsUser ?? pod.containers?.[0].securityContext?.runAsUser).toBe(185);
    }
  });

  test.each(apps.map((a) => [`${a.metadata.namespace}/${a.metadata.name}`, a]))('%s: executors run as the executor account, without a token', (_name, app) => {
    expect(app.spec.executor.serviceAccount).toBe(`${app.metadata.namespace}-executor`);
    expect(app.spec.executor.template.spec.automountServiceAccountToken).toBe(false);
    expect(app.spec.driver.serviceAccount).toBe(`${app.metadata.namespace}-sa`);
  });

  test('the check sees a template that breaks restricted (so the tests above can fail)', () => {
    const [app] = apps;
    const open = { ...app.spec, driver: { ...app.spec.driver, template: { spec: { containers: [{ name: 'spark-kubernetes-driver' }] } } } };
    const driver = sparkPods(open, { webhook: false }).find((p) => p.role === 'driver')!;
    expect(podSecurityViolations(PodSecurityLevel.RESTRICTED, driver.pod).map((v) => v.control)).toEqual(expect.arrayContaining(['Privilege Escalation', 'Running as Non-root', 'Seccomp', 'Capabilities']));
  });
});

describe('the operator namespace', () => {
  const net = new NetworkPolicyEvaluator(ofKind(docs, 'NetworkPolicy'));
  const controller: PodEndpoint = { namespace: 'spark-operator', labels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/component': 'controller' }, ip: '10.42.1.5' };
  const webhook: PodEndpoint = { namespace: 'spark-operator', labels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/component': 'webhook' }, ip: '10.42.2.6' };
  const tenantDriver: PodEndpoint = { namespace: 'team-alpha', labels: { 'spark-role': 'driver' }, ip: '10.42.1.20' };
  const apiServerNode = { ip: '172.28.0.2' };

  test('is at the Pod Security level restricted', () => {
    const namespace = docs.find((d) => d.kind === 'Namespace' && d.metadata.name === 'spark-operator');
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.31' });
  });

  test('its pods reach the API server and DNS, and nothing else', () => {
    for (const pod of [controller, webhook]) {
      expect(net.allows({ from: pod, to: apiServerNode, port: 6443 })).toBe(true);
      expect(net.allows({ from: pod, to: { ip: '10.43.0.1' }, port: 443 })).toBe(true);
      expect(net.allows({ from: pod, to: { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, port: 53, protocol: 'UDP' })).toBe(true);
      expect(net.allows({ from: pod, to: tenantDriver, port: 4040 })).toBe(false);
      expect(net.allows({ from: pod, to: { ip: '52.216.0.1' }, port: 443 })).toBe(false);
      expect(net.allows({ from: pod, to: apiServerNode, port: 10250 })).toBe(false);
    }
  });

  test('the API server reaches the webhook on 9443; tenants reach neither the webhook nor the controller', () => {
    expect(net.ingressAllows({ from: { namespace: 'kube-system', labels: {}, ip: '172.28.0.2' }, to: webhook, port: 9443 })).toBe(true);
    expect(net.ingressAllows({ from: tenantDriver, to: controller, port: 8080 })).toBe(false);
    expect(net.ingressAllows({ from: tenantDriver, to: webhook, port: 8080 })).toBe(false);
    // A tenant's own egress policies keep its pods from the webhook port too.
    expect(net.allows({ from: tenantDriver, to: webhook, port: 9443 })).toBe(false);
  });
});
