import { describe, expect, it } from 'vitest';
import {
  InvalidLevel,
  LEVEL_NAMES,
  LOGLVL_CRITICAL,
  LOGLVL_DEBUG,
  LOGLVL_ERR,
  LOGLVL_INFO,
  LOGLVL_WARN,
  levelName,
  toLevel,
} from '../src/index.js';

describe('levels', () => {
  it('are numbers in order DEBUG < INFO < WARN < ERR < CRITICAL', () => {
    expect([LOGLVL_DEBUG, LOGLVL_INFO, LOGLVL_WARN, LOGLVL_ERR, LOGLVL_CRITICAL]).toEqual([0, 1, 2, 3, 4]);
  });

  it('have the names used in lines', () => {
    expect(LEVEL_NAMES).toEqual(['debug', 'info', 'warn', 'error', 'critical']);
    expect(levelName(LOGLVL_ERR)).toBe('error');
    expect(levelName(LOGLVL_CRITICAL)).toBe('critical');
  });

  it('toLevel accepts numbers and names', () => {
    expect(toLevel('debug')).toBe(LOGLVL_DEBUG);
    expect(toLevel('warn')).toBe(LOGLVL_WARN);
    expect(toLevel(LOGLVL_INFO)).toBe(LOGLVL_INFO);
  });

  it('toLevel rejects anything else with a coded error', () => {
    for (const bad of [-1, 5, 1.5, Number.NaN, 'fatal', 'INFO', '', null, undefined]) {
      let caught: unknown;
      try {
        toLevel(bad as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, String(bad)).toBeInstanceOf(InvalidLevel);
      expect((caught as InvalidLevel).code).toBe('DIESEL_ERR_LOG_INVALID_LEVEL');
    }
  });
});
