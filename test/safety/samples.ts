// Hostile inputs shared by the safety tests and the robustness suite.

/** A "billion laughs" YAML document: 9 levels of nine-fold aliases, about 387 million strings if expanded. */
export const ALIAS_BOMB =
  [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`),
    'i: [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
  ].join('\n') + '\n';

/** The same bomb as a list, the shape of a users file. */
export const ALIAS_BOMB_LIST = ALIAS_BOMB.replace(/^([a-i]): /gm, '- ');
