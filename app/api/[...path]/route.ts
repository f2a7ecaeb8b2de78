import { problem, route } from '@/lib/request/http'

// Unknown API paths answer in FastAPI's shape rather than with Next's HTML 404 page.
const notFound = route(async () => problem(404, 'Not Found'))

export { notFound as DELETE, notFound as GET, notFound as OPTIONS, notFound as PATCH, notFound as POST, notFound as PUT }
