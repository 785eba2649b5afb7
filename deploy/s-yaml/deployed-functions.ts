/**
 * What the deploy checks need to know about each function of the catalogue (shared/catalogue.ts) beyond its
 * trigger, queue and role: whether it calls SAG, reads the site directory, and the most HR API calls one try of one
 * message makes. The most SAG calls per try are declared with the workers (shared/workers/sag-calls.ts). A function
 * added to the catalogue without its entry here fails to compile.
 */
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../../shared/index.js';

export interface DeployTraits {
  callsSag: boolean;
  sites: boolean;
  hrCallsPerTry?: number;
}

const TRAITS: Record<FunctionName, DeployTraits> = {
  webhook: { callsSag: false, sites: true },
  'join-worker': { callsSag: true, sites: false },
  'transfer-worker': { callsSag: true, sites: false },
  'enrich-worker': { callsSag: true, sites: true, hrCallsPerTry: 2 },
  'leave-worker': { callsSag: true, sites: true },
  reconcile: { callsSag: true, sites: true },
};

export type DeployedFunction = FunctionSpec & DeployTraits;

/** The catalogue's functions with their deploy traits, by name. */
export const DEPLOYED_FUNCTIONS: Readonly<Record<string, DeployedFunction>> = Object.fromEntries(FUNCTIONS.map((f) => [f.name, { ...f, ...TRAITS[f.name] }]));
