import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { notFound } from '../../common/errors/domain-error';
import { newId } from '../../common/ids/ids.util';
import { withTransaction } from '../../persistence/transaction.util';
import { AdminTokensRepository } from './admin-tokens.repository';
import { Actor, AuditLogService } from './audit-log.service';
import { AdminRole, AdminToken } from './entities/admin-token.entity';

/** Tokens are high-entropy random strings, so a plain SHA-256 is a sound lookup hash. */
export const hashAdminToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

@Injectable()
export class AdminTokensService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminTokensService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: AdminTokensRepository,
    private readonly audit: AuditLogService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** PAYGRID_ADMIN_TOKEN: a new install can be driven by scripts (docs/api.md "Admin API"). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.adminToken) return;
    const tokenHash = hashAdminToken(this.config.adminToken);
    const existing = await this.repo.findByHash(tokenHash);
    if (existing) {
      if (existing.revokedAt) this.logger.warn('PAYGRID_ADMIN_TOKEN names a revoked token; it stays revoked');
      return;
    }
    await withTransaction(this.dataSource, async (m) => {
      const token = this.build('bootstrap (PAYGRID_ADMIN_TOKEN)', 'admin', tokenHash);
      await this.repo.insertIfAbsent(m, token);
      await this.audit.record(
        m,
        { actor: 'system' },
        { action: 'admin_token.ensure', targetType: 'admin_token', targetId: token.id, after: this.describe(token) },
      );
    });
  }

  async authenticate(token: string): Promise<AdminToken | null> {
    return this.repo.findActiveByHash(hashAdminToken(token));
  }

  /** Creates a token; the clear value is returned this once and only its hash is kept. */
  async create(actor: Actor, name: string, role: AdminRole): Promise<{ token: AdminToken; secret: string }> {
    const secret = `pgat_${randomBytes(24).toString('base64url')}`;
    const token = this.build(name, role, hashAdminToken(secret));
    await withTransaction(this.dataSource, async (m) => {
      await this.repo.insertIfAbsent(m, token);
      await this.audit.record(m, actor, {
        action: 'admin_token.create',
        targetType: 'admin_token',
        targetId: token.id,
        after: this.describe(token),
      });
    });
    return { token, secret };
  }

  async revoke(actor: Actor, id: string): Promise<AdminToken> {
    return withTransaction(this.dataSource, async (m) => {
      const before = await this.repo.findById(id);
      if (!before) throw notFound('admin token', id);
      const revokedAt = new Date();
      if (await this.repo.revoke(m, id, revokedAt)) {
        await this.audit.record(m, actor, {
          action: 'admin_token.revoke',
          targetType: 'admin_token',
          targetId: id,
          before: this.describe(before),
          after: { ...this.describe(before), revoked_at: revokedAt },
        });
        return { ...before, revokedAt };
      }
      return before;
    });
  }

  list(): Promise<AdminToken[]> {
    return this.repo.list();
  }

  describe(t: AdminToken): Record<string, unknown> {
    return { id: t.id, name: t.name, role: t.role, created_at: t.createdAt, revoked_at: t.revokedAt };
  }

  private build(name: string, role: AdminRole, tokenHash: string): AdminToken {
    const t = new AdminToken();
    t.id = newId('atk');
    t.name = name;
    t.role = role;
    t.tokenHash = tokenHash;
    t.createdAt = new Date();
    t.revokedAt = null;
    return t;
  }
}
