import { ResourceOwnerPassword } from 'simple-oauth2'
import { expect, test } from '../fixtures'
import { BASE_URL, PASSWORD, me } from '../helpers'

// A standard OAuth2 client library, used as its documentation shows, with no code for passgate.
test('simple-oauth2 gets a token by the password grant, refreshes it, and both work', async ({ user: { username } }) => {
  const client = new ResourceOwnerPassword({
    client: { id: 'passgate-script', secret: 'not-used' },
    auth: { tokenHost: BASE_URL, tokenPath: '/api/token' },
  })
  const accessToken = await client.getToken({ username, password: PASSWORD })
  expect(accessToken.token).toMatchObject({ token_type: 'bearer', expires_in: 1800, refresh_token: expect.any(String) })
  expect(accessToken.expired()).toBe(false)
  const renewed = await accessToken.refresh()
  expect(renewed.token.refresh_token).not.toBe(accessToken.token.refresh_token)
  const response = await me(renewed.token.access_token as string)
  expect((await response.json()).username).toBe(username)

  await expect(client.getToken({ username, password: 'wrong password' })).rejects.toMatchObject({
    output: { statusCode: 401 },
    data: { payload: { error: 'invalid_grant', error_description: 'Incorrect username or password', detail: 'Incorrect username or password' } },
  })
})
