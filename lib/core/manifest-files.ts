import * as fs from 'fs';
import * as path from 'path';

/**
 * The files of a synth, written while the objects are rendered, so that the synth never holds the
 * whole output: each file's documents go to a hidden partial file in the output folder
 * (`.<n>.partial`), a few hundred at a time, separated by `---` as cdk8s separates them. Only when
 * the whole app validated are the partial files renamed to their files' names (`commit`);
 * otherwise they are removed (`discard`), and the output folder holds nothing new.
 */
export class ManifestFiles {
  /** The partial file of each file, by the file's path in the output folder; a file started again is written anew. */
  private readonly partials = new Map<string, string>();
  private readonly folders: string[] = [];
  private count = 0;
  private fd: number | undefined;
  private pending: string[] = [];
  private started = false;

  constructor(private readonly dir: string) {}

  /**
   * Starts a file (a path relative to the output folder): the documents appended next go to it.
   * A file started again loses what it had, as when cdk8s writes a file of the same name twice.
   */
  public start(file: string): void {
    this.flush();
    this.close();
    const partial = path.join(this.dir, `.${this.count++}.partial`);
    const earlier = this.partials.get(file);
    if (earlier !== undefined) {
      fs.rmSync(earlier, { force: true });
    }
    this.partials.set(file, partial);
    this.fd = fs.openSync(partial, 'w');
    this.started = false;
  }

  /** Appends a document to the file started last. */
  public append(document: string): void {
    this.pending.push(document);
    if (this.pending.length === 256) {
      this.flush();
    }
  }

  /** A folder (relative to the output folder) that is made when the files are committed, even if it holds none. */
  public folder(name: string): void {
    this.folders.push(name);
  }

  /** Gives every file its name. */
  public commit(): void {
    this.flush();
    this.close();
    for (const folder of this.folders) {
      fs.mkdirSync(path.join(this.dir, folder), { recursive: true });
    }
    for (const [file, partial] of this.partials) {
      fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
      fs.renameSync(partial, path.join(this.dir, file));
    }
    this.partials.clear();
  }

  /** Removes what was written. */
  public discard(): void {
    this.pending = [];
    this.close();
    for (const partial of this.partials.values()) {
      fs.rmSync(partial, { force: true });
    }
    this.partials.clear();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) {
      return;
    }
    const chunk = this.pending.join('---\n');
    this.pending = [];
    fs.writeSync(this.fd, this.started ? `---\n${chunk}` : chunk);
    this.started = true;
  }

  private close(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
