// The fixtures recorded from the real helper on the simulated Mac, typed.
import type { LookupAnswer, ProbeAnswer, RouteRow, Status } from '../../src/api/types';

import routesJson from '../fixtures/routes.json';
import routesLegacyJson from '../fixtures/routes-legacy.json';
import routesVpnJson from '../fixtures/routes-vpn.json';
import statusJson from '../fixtures/status.json';
import statusLegacyJson from '../fixtures/status-legacy.json';
import statusVpnJson from '../fixtures/status-vpn.json';
import lookupVpnJson from '../fixtures/lookup-vpn.json';
import verifyJson from '../fixtures/verify-vpn-v4.json';

export const routes = routesJson as unknown as RouteRow[];
export const routesVpn = routesVpnJson as unknown as RouteRow[];
export const routesLegacy = routesLegacyJson as unknown as RouteRow[];
export const status = statusJson as unknown as Status;
export const statusVpn = statusVpnJson as unknown as Status;
export const statusLegacy = statusLegacyJson as unknown as Status;
export const lookupVpn = lookupVpnJson as unknown as LookupAnswer;
export const probe = verifyJson as unknown as ProbeAnswer;
