import { PlatformApp } from './lib';
import { buildSeedPlatform } from './platform';

// The seed platform (platform.ts), its charts released as k3s HelmCharts, synthesized into dist/.
const app = new PlatformApp();
buildSeedPlatform(app);
app.synth();
