// Unmodified training code over the mount: torchvision's ImageFolder with a
// torch DataLoader (num_workers=2, worker processes reading the mount) gets
// the same samples as from the backend directory itself. Debian's
// python3-torch and python3-torchvision at /usr/bin/python3.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon';
import { PYTHON, fuseMissing, mountDir, python, requireFuse, run } from '../helpers/fuse';

const skip = fuseMissing() !== undefined && process.env['CI'] !== 'true';

const MAKE_IMAGES = `
import os, sys, random
from PIL import Image
random.seed(7)
root = sys.argv[1]
for cls in ('cat', 'dog'):
    os.makedirs(os.path.join(root, 'train', cls), exist_ok=True)
    for i in range(12):
        img = Image.new('RGB', (16, 16))
        img.putdata([tuple(random.randrange(256) for _ in range(3)) for _ in range(256)])
        img.save(os.path.join(root, 'train', cls, f'{i:03d}.png'))
`;

// What a training script does, pointed at a directory: the per-batch sums identify the samples.
const TRAIN = `
import sys, torch
from torchvision import datasets, transforms
ds = datasets.ImageFolder(sys.argv[1], transform=transforms.ToTensor())
dl = torch.utils.data.DataLoader(ds, batch_size=5, shuffle=False, num_workers=2)
out = []
for x, y in dl:
    out.append(f'{x.sum().item():.4f}:{y.tolist()}')
print(len(ds), ds.classes, ' '.join(out))
`;

describe('torchvision ImageFolder + DataLoader(num_workers=2) over the mount', { skip }, () => {
  const mp = mountDir();
  const d = new TestDaemon({ flags: { mount: mp.dir } });
  let torchReady = false;

  before(async () => {
    if (fuseMissing()) return;
    torchReady = (await run(PYTHON, ['-c', 'import torch, torchvision, PIL'])).code === 0;
    if (!torchReady) return;
    await python(MAKE_IMAGES, [d.backendDir]);
    await d.start();
  });
  after(async () => {
    await d.stop();
    mp.remove();
    await d.cleanup();
  });

  it('yields the same samples as the backend directory', async (t) => {
    if (!requireFuse(t)) return;
    if (!torchReady) {
      const msg = 'python3-torch and python3-torchvision are not installed (apt-get install -y python3-torch python3-torchvision)';
      if (process.env['CI'] === 'true') assert.fail(msg);
      return t.skip(msg);
    }
    const direct = await python(TRAIN, [`${d.backendDir}/train`]);
    const mounted = await python(TRAIN, [`${mp.dir}/train`]);
    assert.match(direct, /^24 \['cat', 'dog'\] /);
    assert.equal(mounted, direct);
  });
});
