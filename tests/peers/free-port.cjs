// Prints a free TCP port on 127.0.0.1 (the OS picks it; the socket is closed before the port is used).
const server = require('node:net').createServer();
server.listen(0, '127.0.0.1', () => { console.log(server.address().port); server.close(); });
