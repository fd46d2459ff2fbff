import { packageConfig } from '../../tsup.base.ts';

// The library, and the `mpk` command (src/cli/main.ts starts with a #! line, which tsup keeps and marks executable).
export default packageConfig({ index: 'src/index.ts', cli: 'src/cli/main.ts' });
