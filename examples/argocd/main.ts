import { ChartDelivery, PlatformApp } from '../../lib';
import { buildSeedPlatform } from '../../platform';

// The seed platform (platform.ts) with its charts released by Argo CD: an Application per chart, in
// argocd, synced automatically and server-side. `npm run synth:examples` writes
// examples/argocd/dist/; everything that is not a chart is the same as in dist/.
const app = new PlatformApp({ chartDelivery: ChartDelivery.ARGO_CD });
buildSeedPlatform(app);
app.synth();
