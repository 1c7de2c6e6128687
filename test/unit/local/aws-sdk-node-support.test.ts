/**
 * The local toolchain turns the AWS SDK's Node-version notice off only where it is understood: on Node 20 and 21
 * (the SDK's future releases need 22, the pinned ones do not), never on Node 22+ and never over a caller's choice.
 */
import { emitWarningIfUnsupportedVersion, state as sdkWarningState } from '@aws-sdk/core/client';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';

import { AWS_SDK_NODE_WARNING_SWITCH, quietAwsSdkNodeSupportWarning } from '#infra/local/aws-sdk-node-support.js';
import { hermeticEnv, isStackVariable } from '#test/support/hermetic-env.js';

describe('quietAwsSdkNodeSupportWarning', () => {
  it.each(['20.19.0', '20.20.2', 'v20.20.2', '21.7.3'])('sets the SDK switch to "true" on Node %s', (version) => {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin' };

    const changed = quietAwsSdkNodeSupportWarning(env, version);

    expect(changed).toBe(true);
    expect(env).toEqual({ PATH: '/usr/bin', [AWS_SDK_NODE_WARNING_SWITCH]: 'true' });
  });

  it.each(['22.0.0', '24.11.1', '25.2.0', '100.0.0'])('leaves the environment alone on Node %s, where the SDK has nothing to say', (version) => {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin' };

    expect(quietAwsSdkNodeSupportWarning(env, version)).toBe(false);
    expect(env).toEqual({ PATH: '/usr/bin' });
  });

  it.each(['false', 'true', ''])('keeps a value the caller set (%j), even on Node 20', (value) => {
    const env: NodeJS.ProcessEnv = { [AWS_SDK_NODE_WARNING_SWITCH]: value };

    expect(quietAwsSdkNodeSupportWarning(env, '20.20.2')).toBe(false);
    expect(env[AWS_SDK_NODE_WARNING_SWITCH]).toBe(value);
  });

  it('leaves the environment alone when the version cannot be read', () => {
    const env: NodeJS.ProcessEnv = {};

    expect(quietAwsSdkNodeSupportWarning(env, 'not-a-version')).toBe(false);
    expect(env).toEqual({});
  });

  describe('the switch, as the pinned @aws-sdk/core reads it when a client is built', () => {
    let emitWarning: MockInstance<typeof process.emitWarning>;
    beforeEach(() => {
      emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      vi.stubEnv(AWS_SDK_NODE_WARNING_SWITCH, undefined);
      sdkWarningState.warningEmitted = false;
    });
    afterEach(() => {
      emitWarning.mockRestore();
      vi.unstubAllEnvs();
      sdkWarningState.warningEmitted = false;
    });

    it('makes the SDK skip its NodeVersionSupportWarning on Node 20', () => {
      quietAwsSdkNodeSupportWarning(process.env, '20.20.2');

      emitWarningIfUnsupportedVersion('v20.20.2');

      expect(emitWarning).not.toHaveBeenCalled();
    });

    it('is what stands between Node 20 and the warning: without it the SDK emits it', () => {
      emitWarningIfUnsupportedVersion('v20.20.2');

      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(String(emitWarning.mock.calls[0]?.[0])).toContain('NodeVersionSupportWarning');
    });
  });

  it('survives the hermetic test environment, so the stacks the tests spawn inherit it', () => {
    expect(isStackVariable(AWS_SDK_NODE_WARNING_SWITCH)).toBe(false);
    expect(hermeticEnv({ [AWS_SDK_NODE_WARNING_SWITCH]: 'true', AWS_PROFILE: 'production' })).toEqual({
      [AWS_SDK_NODE_WARNING_SWITCH]: 'true',
    });
  });
});
