// Where the secret box's key material comes from: GATEWAY_SECRETS_KEY when set (so a database dump alone never
// opens a TOTP secret), else the instance secret in system_setting BASIC; demo mode uses its public constant.
import type { Config } from '../config.js';
import { DEMO_SECRET, parseBasicSetting } from '../auth/keys.js';
import type { SettingRepository } from '../settings/setting-repository.js';
import { SecretBox } from './secret-box.js';

export async function openSecretBox(config: Pick<Config, 'secretsKey' | 'mode'>, settings: SettingRepository): Promise<SecretBox> {
  if (config.secretsKey) return new SecretBox(config.secretsKey);
  if (config.mode === 'demo') return new SecretBox(`sso-gateway demo ${DEMO_SECRET}`);
  const basic = await settings.find('BASIC');
  if (basic === null) throw new Error('system_setting BASIC is missing: the key ring must be loaded first');
  return new SecretBox(parseBasicSetting(basic).secretKey);
}
