import { Injectable } from '@nestjs/common';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { randomToken, sha256 } from '../../common/crypto';
import { Database } from '../../database/database.service';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKey } from './entities/api-key.entity';

export interface ApiKeyView {
  id: number;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function toApiKeyView(k: ApiKey): ApiKeyView {
  return { id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt };
}

const TOUCH_EVERY_MS = 60_000;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: Database,
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditService,
  ) {}

  /** Returns the key in clear exactly once; only its SHA-256 is stored (keys carry 256 random bits). */
  async create(actor: Actor, name: string): Promise<{ key: string; apiKey: ApiKeyView }> {
    const clean = (name ?? '').trim();
    if (!clean || clean.length > 100) throw AppError.validation({ name: 'errors.name_required' });
    const key = `kb_${randomToken(32)}`;
    const created = await this.db.transaction(async (m) => {
      const k = await this.keys.insert(m, { name: clean, prefix: key.slice(0, 10), keyHash: sha256(key), createdBy: actor.userId });
      await this.audit.record(m, actor, { action: 'api_key.create', subjectType: 'api_key', subjectId: k.id, after: { name: clean } });
      return k;
    });
    return { key, apiKey: toApiKeyView(created) };
  }

  async authenticate(key: string): Promise<ApiKeyView | null> {
    if (!key.startsWith('kb_') || key.length > 200) return null;
    const k = await this.keys.findActiveByHash(sha256(key));
    if (!k) return null;
    const now = new Date();
    if (!k.lastUsedAt || now.getTime() - k.lastUsedAt.getTime() > TOUCH_EVERY_MS) await this.keys.touch(k.id, now);
    return toApiKeyView(k);
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.list()).map(toApiKeyView);
  }

  async revoke(actor: Actor, id: number): Promise<void> {
    await this.db.transaction(async (m) => {
      const k = await this.keys.findById(id, m);
      if (!k) throw AppError.notFound('api_key');
      if (k.revokedAt) return;
      await this.keys.revoke(m, id, new Date());
      await this.audit.record(m, actor, { action: 'api_key.revoke', subjectType: 'api_key', subjectId: id, before: { name: k.name } });
    });
  }
}
