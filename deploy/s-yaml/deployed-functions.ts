/**
 * What the deploy checks need to know about each function of the catalogue (shared/catalogue.ts) beyond its
 * trigger, queue and role: whether it calls SAG, reads the site directory, and the most SAG / HR API calls one try of
 * one message makes ('per-instance': one DescribeSmartAccessGatewayClientUsers per SAG instance of the site
 * directory, to find the previous site). A function added to the catalogue without its entry here fails to compile.
 */
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../../shared/index.js';

export interface DeployTraits {
  callsSag: boolean;
  sites: boolean;
  sagCallsPerTry?: number | 'per-instance';
  hrCallsPerTry?: number;
}

const TRAITS: Record<FunctionName, DeployTraits> = {
  webhook: { callsSag: false, sites: true },
  'join-worker': { callsSag: true, sites: false, sagCallsPerTry: 2 },
  'transfer-worker': { callsSag: true, sites: false, sagCallsPerTry: 2 },
  'enrich-worker': { callsSag: true, sites: true, sagCallsPerTry: 'per-instance', hrCallsPerTry: 2 },
  'leave-worker': { callsSag: true, sites: true, sagCallsPerTry: 'per-instance' },
  reconcile: { callsSag: true, sites: true },
};

export type DeployedFunction = FunctionSpec & DeployTraits;

/** The catalogue's functions with their deploy traits, by name. */
export const DEPLOYED_FUNCTIONS: Readonly<Record<string, DeployedFunction>> = Object.fromEntries(FUNCTIONS.map((f) => [f.name, { ...f, ...TRAITS[f.name] }]));
