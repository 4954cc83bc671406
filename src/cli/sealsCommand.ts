import { readFileSync, rmSync, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { loadCatalog } from '../catalog/loadCatalog';
import { EcertError } from '../core/errors';
import { prepareSealImage, sealImagePath, storeSealImage } from '../render/artwork/sealImage';

/** `ecert seals …` (issue 13): the issuing body's registered seal image as the signature widget. */
export function sealsCommand(program: Command): void {
  const seals = program.command('seals').description('seal appearance: the body’s registered seal image or the drawn seal');
  seals
    .command('set-image <file>')
    .description('use this SVG (preferred) or PNG (transparent background, at least 450×450 px) as the seal on new documents')
    .requiredOption('--seal <sealId>', 'seal id (see the catalog)')
    .action(async (file: string, opts: { seal: string }) => {
      const config = loadConfig();
      if (!loadCatalog().seals.some((s) => s.id === opts.seal)) throw new EcertError('ERR_SEAL_UNKNOWN', { zh: opts.seal, en: opts.seal });
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        throw new EcertError('ERR_SEAL_IMAGE', { zh: `无法读取 ${file}`, en: `cannot read ${file}` });
      }
      const image = await prepareSealImage(bytes);
      storeSealImage(config.keysDir, opts.seal, image);
      process.stdout.write(`seal ${opts.seal}: ${image.format.toUpperCase()} image set (${image.width}×${image.height} px, sha256 ${image.sha256.slice(0, 16)}…)\n`);
    });
  seals
    .command('clear-image')
    .description('go back to the drawn seal')
    .requiredOption('--seal <sealId>', 'seal id')
    .action((opts: { seal: string }) => {
      const config = loadConfig();
      const path = sealImagePath(config.keysDir, opts.seal);
      if (existsSync(path)) rmSync(path);
      process.stdout.write(`seal ${opts.seal}: drawn seal\n`);
    });
}
