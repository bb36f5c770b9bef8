import { ChartDelivery, PlatformApp } from '../../lib';
import { buildSeedPlatform } from '../../platform';

// The seed platform (platform.ts) with its charts released by Flux: a HelmRepository per chart
// repository and a HelmRelease per chart, in flux-system. `npm run synth:examples` writes
// examples/flux/dist/; everything that is not a chart is the same as in dist/.
const app = new PlatformApp({ chartDelivery: ChartDelivery.FLUX });
buildSeedPlatform(app);
app.synth();
