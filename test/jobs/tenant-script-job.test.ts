import { Testing } from 'cdk8s';
import { PodSecurityLevel, TenantNamespace, TenantScriptJob } from '../../lib';
import { podSecurityViolations } from '../../lib/core/pod-security';
import { hadoopGenericOptions } from '../../lib/jobs/tenant-script-job';
import { schemaErrors } from '../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../support/synth';

describe('TenantScriptJob', () => {
  test('runs its script once in the tenant namespace, at Pod Security restricted, with every argument one word', () => {
    // GIVEN a tenant and a helper Job of its
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
    new TenantScriptJob(chart, 'Job', {
      tenant,
      name: 'copy',
      labels: { app: 'copy' },
      image: 'apache/spark:4.0.0',
      container: 'copy',
      script: 'echo "$@"',
      args: ['a b', '--', 'c'],
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'x' } } }],
      tmpSize: '64Mi',
    });
    // WHEN the app is synthesized
    expect(problemsOf(app)).toEqual([]);
    const [job] = ofKind(Testing.synth(chart), 'Job');
    // THEN the Job is valid and runs the script with its arguments as separate words
    expect(schemaErrors(job)).toEqual([]);
    expect(job.metadata).toEqual({ name: 'copy', namespace: 'team-alpha', labels: { app: 'copy' } });
    expect(job.spec).toMatchObject({ backoffLimit: 2, ttlSecondsAfterFinished: 600 });
    const pod = job.spec.template.spec;
    const [c] = pod.containers;
    expect(c.command).toEqual(['/bin/bash', '-c', 'echo "$@"', 'copy']);
    expect(c.args).toEqual(['a b', '--', 'c']);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    // AND the tenant's Pod Security level admits it, with a read-only root file system
    expect(podSecurityViolations(PodSecurityLevel.RESTRICTED, pod)).toEqual([]);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('hadoopGenericOptions: -D key=value in key order, a value with spaces one argument', () => {
    expect(hadoopGenericOptions({ 'fs.s3a.b': 'x y', 'fs.s3a.a': '1' })).toEqual(['-D', 'fs.s3a.a=1', '-D', 'fs.s3a.b=x y']);
    expect(hadoopGenericOptions({})).toEqual([]);
  });
});
