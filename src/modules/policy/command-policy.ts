// Which commands users may send to which device class: a JSON file read once at start (a bad
// file stops the start). Anything the file does not allow is refused; see docs/command-policy.md.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../lib/config';
import type { HomeRole } from '../homes/memberships.repository';

const name = z.string().min(1).max(100);
const limits = { min: z.number().optional(), max: z.number().optional() };

const parameterRule = z.discriminatedUnion('type', [
  z.object({ type: z.literal('boolean'), optional: z.boolean().default(false) }).strict(),
  z.object({ type: z.literal('integer'), optional: z.boolean().default(false), ...limits, enum: z.array(z.number().int()).min(1).optional() }).strict(),
  z.object({ type: z.literal('number'), optional: z.boolean().default(false), ...limits, enum: z.array(z.number()).min(1).optional() }).strict(),
  z
    .object({
      type: z.literal('string'),
      optional: z.boolean().default(false),
      minLength: z.number().int().min(0).optional(),
      maxLength: z.number().int().min(0).default(1000),
      enum: z.array(z.string()).min(1).optional(),
      pattern: z.string().refine(isRegex, 'not a regular expression').optional(),
    })
    .strict(),
]);

const actionRule = z
  .object({
    roles: z.array(z.enum(['owner', 'member'])).min(1),
    parameters: z.record(name, parameterRule).default({}),
  })
  .strict();

export const commandPolicySchema = z
  .object({
    $comment: z.string().optional(),
    deviceClasses: z.record(name, z.object({ actions: z.record(name, actionRule) }).strict()),
  })
  .strict();

export type CommandPolicyDocument = z.output<typeof commandPolicySchema>;
type ParameterRule = z.output<typeof parameterRule>;

export interface DeviceCommand {
  action: string;
  parameters?: Record<string, unknown>;
}

export type PolicyDecision = { allowed: true } | { allowed: false; message: string; details?: { field: string; message: string }[] };

export class CommandPolicy {
  constructor(private readonly document: CommandPolicyDocument) {}

  /** Whether a member with `role` may send `command` to a device of `deviceClass`. */
  check(deviceClass: string, role: HomeRole, command: DeviceCommand): PolicyDecision {
    const classes = this.document.deviceClasses;
    const rule = own(classes[deviceClass]?.actions, command.action) ?? own(classes['*']?.actions, command.action);
    if (!rule) return { allowed: false, message: `The action "${command.action}" is not allowed for devices of class "${deviceClass}"` };
    if (!rule.roles.includes(role)) return { allowed: false, message: `Only ${rule.roles.join(' or ')}s of the home may send "${command.action}"` };
    const details = parameterIssues(rule.parameters, command.parameters ?? {});
    if (details.length > 0) return { allowed: false, message: `The parameters of "${command.action}" are not allowed`, details };
    return { allowed: true };
  }
}

function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

function parameterIssues(rules: Record<string, ParameterRule>, parameters: Record<string, unknown>) {
  const issues: { field: string; message: string }[] = [];
  for (const key of Object.keys(parameters)) {
    if (!Object.hasOwn(rules, key)) issues.push({ field: `body.parameters.${key}`, message: 'is not an allowed parameter' });
  }
  for (const [key, rule] of Object.entries(rules)) {
    const problem = Object.hasOwn(parameters, key) ? valueIssue(rule, parameters[key]) : rule.optional ? undefined : 'is required';
    if (problem) issues.push({ field: `body.parameters.${key}`, message: problem });
  }
  return issues;
}

function valueIssue(rule: ParameterRule, value: unknown): string | undefined {
  switch (rule.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (rule.type === 'integer' && !Number.isInteger(value)) return 'must be an integer';
      if (rule.enum && !rule.enum.includes(value)) return `must be one of ${rule.enum.join(', ')}`;
      if (rule.min !== undefined && value < rule.min) return `must be at least ${rule.min}`;
      if (rule.max !== undefined && value > rule.max) return `must be at most ${rule.max}`;
      return undefined;
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (rule.enum && !rule.enum.includes(value)) return `must be one of ${rule.enum.join(', ')}`;
      if (rule.minLength !== undefined && value.length < rule.minLength) return `must be at least ${rule.minLength} characters`;
      if (value.length > rule.maxLength) return `must be at most ${rule.maxLength} characters`;
      if (rule.pattern && !new RegExp(`^(?:${rule.pattern})$`, 'u').test(value)) return 'has a form that is not allowed';
      return undefined;
  }
}

function isRegex(source: string): boolean {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The policy shipped with the service: `config/command-policy.json` at the package root. */
export function defaultPolicyFile(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'config', 'command-policy.json');
}

/** Reads and validates a policy file; a missing or malformed file is a configuration error. */
export function loadCommandPolicy(file = defaultPolicyFile()): CommandPolicy {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`COMMAND_POLICY_FILE ${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  const parsed = commandPolicySchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ConfigError(`COMMAND_POLICY_FILE ${path} is not a valid command policy:\n${lines.join('\n')}`);
  }
  return new CommandPolicy(parsed.data);
}
