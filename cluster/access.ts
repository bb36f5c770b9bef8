import { Session } from './session';

/** How to open Grafana, when the monitoring stack is installed. */
export function grafanaHowto(s: Session): void {
  const grafana = s.plan.grafana;
  if (grafana === undefined) {
    return;
  }
  const found = s.kubectl(['get', 'service', grafana.name, '-n', grafana.namespace, '--ignore-not-found', '-o', 'name']);
  if (found.status !== 0 || found.stdout.trim() === '') {
    s.say(`grafana: no Service ${grafana.namespace}/${grafana.name}; the monitoring stack is not installed (yet)`);
    return;
  }
  // The Grafana chart generated the admin password in the cluster at install time; it is in the
  // Secret only, never in dist/.
  const kc = `kubectl --context ${s.settings.context}`;
  s.say('grafana: open it with a port-forward (leave it running), then browse to http://localhost:3000');
  s.detail(
    `${kc} port-forward -n ${grafana.namespace} service/${grafana.name} 3000:80`,
    `user: admin; password (generated in the cluster at install, kept in the Secret ${grafana.namespace}/${grafana.name}):`,
    `${kc} get secret -n ${grafana.namespace} ${grafana.name} -o jsonpath='{.data.admin-password}' | base64 -d; echo`,
    'dashboards: Spark Operator, Spark jobs, Tenant quota (folder General)',
  );
}

/** How each team opens its History Server, each on a local port of its own. */
export function historyAccess(s: Session): void {
  const servers = s.plan.historyServers;
  if (servers.length === 0) {
    return;
  }
  s.say('Spark History Servers: run the command, then open the URL (Ctrl-C ends the port-forward)');
  servers.forEach((server, i) => {
    const local = servers[0].port + i;
    s.detail(`${server.namespace}: kubectl --context ${s.settings.context} port-forward -n ${server.namespace} service/${server.name} ${local}:${server.port}   ->  http://localhost:${local}`);
  });
}
