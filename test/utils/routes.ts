import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { API_KEY_AUTH } from '../../src/common/http/api-key-auth';
import { MULTIPART_FORM_KEY, PUBLIC_KEY, ROLES_KEY } from '../../src/common/http/decorators';
import type { Role } from '../../src/users/entities/user.entity';

export interface AppRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Express syntax, e.g. `/admin/products/:id/sections`. */
  path: string;
  isPublic: boolean;
  apiKey: boolean;
  multipart: boolean;
  /** The roles that may call it; empty = any logged-in user. */
  roles: Role[];
}

/**
 * Every route of the application, read from the controllers' metadata as Nest's router does, so a route added
 * tomorrow is in the list without anyone editing a test.
 */
export function appRoutes(app: INestApplication): AppRoute[] {
  const out: AppRoute[] = [];
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const cls = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!cls) continue;
      const bases = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const fn = (cls.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod] as AppRoute['method'];
        const meta = <T>(key: string): T | undefined => Reflect.getMetadata(key, fn) ?? Reflect.getMetadata(key, cls);
        for (const base of bases) {
          for (const p of ([] as string[]).concat(paths)) {
            out.push({
              method,
              path: `/${[base, p].join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1'),
              isPublic: !!meta<boolean>(PUBLIC_KEY),
              apiKey: !!meta<boolean>(API_KEY_AUTH),
              multipart: !!Reflect.getMetadata(MULTIPART_FORM_KEY, fn),
              roles: meta<Role[]>(ROLES_KEY) ?? [],
            });
          }
        }
      }
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** `/admin/products/:id` → a RegExp matching `/admin/products/12`. */
export function routePattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}$`);
}
